import { Counter, Gauge, register } from 'prom-client';
import { registeredMetric } from './metric.registry';

describe(registeredMetric.name, () => {
  const name = 'clearance_metric_registry_spec_total';
  afterEach(() => register.removeSingleMetric(name));

  it('registers a metric once and hands out the same one after', async () => {
    const first = registeredMetric(Counter, { name, help: 'spec', labelNames: ['kind'] });
    const second = registeredMetric(Counter, { name, help: 'spec', labelNames: ['kind'] });
    second.inc({ kind: 'a' });

    expect(second).toBe(first);
    expect(register.getSingleMetric(name)).toBe(first);
    expect(await register.getSingleMetricAsString(name)).toContain(`${name}{kind="a"} 1`);
  });

  it('replaces the registered metric when asked, so the newest collect is the one scraped', async () => {
    registeredMetric(Gauge, {
      name,
      help: 'spec',
      collect() {
        this.set(1);
      },
    });
    const newest = registeredMetric(
      Gauge,
      {
        name,
        help: 'spec',
        collect() {
          this.set(2);
        },
      },
      { replace: true },
    );

    expect(register.getSingleMetric(name)).toBe(newest);
    expect(await register.getSingleMetricAsString(name)).toContain(`${name} 2`);
  });

  it('refuses a name already registered as another kind', () => {
    registeredMetric(Counter, { name, help: 'spec' });

    expect(() => registeredMetric(Gauge, { name, help: 'spec' })).toThrow(/already registered as a Counter/);
  });
});
