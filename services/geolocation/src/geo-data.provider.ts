import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ENV, registeredMetric, type ReadinessCheck } from '@clearance/platform';
import { Gauge } from 'prom-client';
import { resolveGeoDataConfig, type GeoDataConfig } from './geo/geo-data.config';
import { GeoDataStore } from './geo/geo-data.store';
import type { GeoSnapshot } from './geo/geo.snapshot';
import { TorListRefresher } from './geo/tor-list.refresher';
import { GeolocationEnv } from './geolocation.env';

export function geoDataConfigFromEnv(env: GeolocationEnv): GeoDataConfig {
  return resolveGeoDataConfig({
    dbipCityV4Path: env.GEO_DBIP_CITY_V4_PATH,
    dbipCityV6Path: env.GEO_DBIP_CITY_V6_PATH,
    asnV4CsvPath: env.GEO_ASN_V4_CSV_PATH,
    asnV6CsvPath: env.GEO_ASN_V6_CSV_PATH,
    maxmindCityPath: env.GEO_MAXMIND_CITY_PATH,
    maxmindAsnPath: env.GEO_MAXMIND_ASN_PATH,
    maxmindAnonymousIpPath: env.GEO_MAXMIND_ANONYMOUS_IP_PATH,
    torListPath: env.GEO_TOR_LIST_PATH,
    networkClassesPath: env.GEO_NETWORK_CLASSES_PATH,
    vpnListV4Path: env.GEO_VPN_LIST_V4_PATH,
    vpnListV6Path: env.GEO_VPN_LIST_V6_PATH,
    datacenterListV4Path: env.GEO_DATACENTER_LIST_V4_PATH,
    datacenterListV6Path: env.GEO_DATACENTER_LIST_V6_PATH,
    vpnRangesPath: env.GEO_VPN_RANGES_PATH,
    proxyRangesPath: env.GEO_PROXY_RANGES_PATH,
    operatorListsPath: env.GEO_OPERATOR_LISTS_PATH,
  });
}

/**
 * Loads every data set before the service reports ready, keeps them fresh (file polling, optional Tor list
 * download) and hands out the current snapshot.
 */
@Injectable()
export class GeoDataProvider implements OnModuleInit, OnApplicationShutdown, ReadinessCheck {
  readonly name = 'geo-data';
  private readonly logger = new Logger(GeoDataProvider.name);
  private store: GeoDataStore | undefined;
  private refresher: TorListRefresher | undefined;

  constructor(@Inject(ENV) private readonly env: GeolocationEnv) {}

  /** Gauges read the store when scraped; registered once per process (specs create several providers). */
  private registerMetrics(): void {
    const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void): void => {
      registeredMetric(
        Gauge,
        {
          name,
          help,
          labelNames,
          collect() {
            collect(this);
          },
        },
        { replace: true },
      );
    };
    gauge(
      'clearance_geo_data_generation',
      'Geo data snapshot generation (+1 per successful reload)',
      [],
      (g) => g.set(this.store?.current.generation ?? -1),
    );
    gauge(
      'clearance_geo_data_failed_reloads',
      'Data file reloads refused since start (old data kept)',
      [],
      (g) => g.set(this.store?.failedReloads ?? 0),
    );
    gauge(
      'clearance_geo_dataset_info',
      'Data sets in use, one series per name and version',
      ['name', 'version'],
      (g) => {
        g.reset();
        for (const d of this.store?.current.datasets ?? []) g.set({ name: d.name, version: d.version }, 1);
      },
    );
  }

  async onModuleInit(): Promise<void> {
    this.registerMetrics();
    const config = geoDataConfigFromEnv(this.env);
    const started = performance.now();
    this.store = await GeoDataStore.open(config, this.logger);
    this.logger.log(
      `geo data loaded in ${Math.round(performance.now() - started)} ms: ${this.store.current.datasets
        .map((d) => `${d.name} (${d.version.split(';')[0]})`)
        .join(', ')}`,
    );
    this.store.watch(this.env.GEO_RELOAD_INTERVAL_MS);
    if (this.env.GEO_TOR_LIST_URL) {
      this.refresher = new TorListRefresher(
        this.store,
        {
          url: this.env.GEO_TOR_LIST_URL,
          path: config.torListPath,
          intervalMs: this.env.GEO_TOR_REFRESH_MINUTES * 60_000,
          timeoutMs: this.env.GEO_TOR_FETCH_TIMEOUT_MS,
        },
        this.logger,
      );
      this.refresher.start();
    }
  }

  onApplicationShutdown(): void {
    this.refresher?.stop();
    this.store?.close();
  }

  /** The snapshot one event is enriched from, or undefined before the data is loaded. */
  get snapshot(): GeoSnapshot | undefined {
    return this.store?.current;
  }

  check(): Promise<void> {
    return this.store ? Promise.resolve() : Promise.reject(new Error('geo data not loaded yet'));
  }
}
