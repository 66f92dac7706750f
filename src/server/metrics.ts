/**
 * Prometheus metrics in the text exposition format (version 0.0.4):
 * request counts and a latency histogram per route, plus gauges that are
 * read when scraped (index sizes). Small enough to write by hand.
 */

/** Latency buckets in seconds: sub-millisecond lookups up to slow batch adds. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** One sample of a gauge family: labels and value. */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

/** A gauge read at scrape time. */
export interface GaugeFamily {
  name: string;
  help: string;
  collect(): Promise<GaugeSample[]>;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * Collects HTTP metrics and renders every family as Prometheus text.
 *
 * @example
 * const m = new Metrics(); m.observeRequest('GET', '/api/health', 200, 0.002);
 * await m.render(); // "# TYPE tartan_http_requests_total counter\n..."
 */
export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly gauges: GaugeFamily[] = [];
  private readonly started = Date.now();

  /** Records one finished request; `route` is the route pattern, never the raw URL (bounded label set). */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const reqKey = labelText({ method, route, status: String(status) });
    this.requests.set(reqKey, (this.requests.get(reqKey) ?? 0) + 1);
    const latKey = labelText({ method, route });
    let h = this.latency.get(latKey);
    if (!h) this.latency.set(latKey, (h = { counts: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) h.counts[i]++;
    h.sum += seconds;
    h.count++;
  }

  /** Adds a gauge family collected at scrape time. */
  addGauge(family: GaugeFamily): void {
    this.gauges.push(family);
  }

  /** The whole exposition, newline-terminated. */
  async render(): Promise<string> {
    const out: string[] = [];
    out.push('# HELP tartan_http_requests_total HTTP requests by method, route and status.');
    out.push('# TYPE tartan_http_requests_total counter');
    for (const [labels, n] of this.requests) out.push(`tartan_http_requests_total${labels} ${n}`);
    out.push('# HELP tartan_http_request_duration_seconds HTTP request latency by method and route.');
    out.push('# TYPE tartan_http_request_duration_seconds histogram');
    for (const [labels, h] of this.latency) {
      const inner = labels.slice(1, -1);
      BUCKETS.forEach((b, i) => out.push(`tartan_http_request_duration_seconds_bucket{${inner},le="${b}"} ${h.counts[i]}`));
      out.push(`tartan_http_request_duration_seconds_bucket{${inner},le="+Inf"} ${h.count}`);
      out.push(`tartan_http_request_duration_seconds_sum${labels} ${h.sum}`);
      out.push(`tartan_http_request_duration_seconds_count${labels} ${h.count}`);
    }
    out.push('# HELP tartan_uptime_seconds Seconds since the server started.');
    out.push('# TYPE tartan_uptime_seconds gauge');
    out.push(`tartan_uptime_seconds ${(Date.now() - this.started) / 1000}`);
    for (const g of this.gauges) {
      out.push(`# HELP ${g.name} ${g.help}`);
      out.push(`# TYPE ${g.name} gauge`);
      for (const s of await g.collect()) out.push(`${g.name}${labelText(s.labels)} ${s.value}`);
    }
    return out.join('\n') + '\n';
  }
}
