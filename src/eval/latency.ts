/** Latency samples per named stage, summarised as p50 and mean in milliseconds. */

/** Median and mean of one stage, in milliseconds. */
export interface LatencyStats {
  p50: number;
  mean: number;
}

/** Collects per-query latencies for several stages. */
export class LatencyRecorder {
  private readonly samples = new Map<string, number[]>();

  /** Records one sample (ms) for `stage`. */
  record(stage: string, ms: number): void {
    let list = this.samples.get(stage);
    if (!list) this.samples.set(stage, (list = []));
    list.push(ms);
  }

  /** p50 (median; the mean of the two middle values for an even count) and mean per stage, rounded to 0.001 ms. */
  summary(): Record<string, LatencyStats> {
    const out: Record<string, LatencyStats> = {};
    for (const [stage, list] of this.samples) {
      const sorted = [...list].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const p50 = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
      const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
      out[stage] = { p50: round3(p50), mean: round3(mean) };
    }
    return out;
  }
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
