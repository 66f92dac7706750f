/** Finds JSON keys that break the camelCase convention of the CLI's --json output and the HTTP API. */

/** Paths (`$.hits[0].latency_ms`) of every object key containing `_`, at any depth. */
export function snakeKeys(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => snakeKeys(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [...(k.includes('_') ? [`${path}.${k}`] : []), ...snakeKeys(v, `${path}.${k}`)]);
}
