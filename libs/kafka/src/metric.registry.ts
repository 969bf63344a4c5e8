import { register, type Metric } from 'prom-client';

export interface MetricRegistration {
  /**
   * Replace a metric already registered under the name instead of returning it: for a metric whose `collect`
   * reads its owner at scrape time, so the newest owner (a spec builds several) is the one scraped.
   */
  replace?: boolean;
}

/**
 * The process's one metric of a name on the default registry (served at /metrics): created on first use and
 * the same object after, since prom-client refuses a second registration of a name and several modules or specs
 * in one process ask for it. A metric of that name but another kind is a programming error and throws.
 */
export function registeredMetric<K extends new (config: never) => Metric>(
  Kind: K,
  config: ConstructorParameters<K>[0],
  options: MetricRegistration = {},
): InstanceType<K> {
  const { name } = config as { name: string };
  const existing = register.getSingleMetric(name);
  if (existing && options.replace) register.removeSingleMetric(name);
  else if (existing) {
    if (!(existing instanceof Kind))
      throw new Error(`metric ${name} is already registered as a ${existing.constructor.name}`);
    return existing as InstanceType<K>;
  }
  return new Kind(config as never) as InstanceType<K>;
}
