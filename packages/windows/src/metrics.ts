import { Counter, Histogram, type Registry } from 'prom-client';

// Metrics are registered on the injected registry once; a second store on the same registry
// (e.g. a test building two cores) reuses them instead of failing on a duplicate name.
export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []) {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<string>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function histogram(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  buckets: number[],
) {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Histogram<string>;
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
