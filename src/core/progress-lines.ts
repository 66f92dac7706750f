/**
 * Progress as plain lines, for a stderr that is not a terminal (a CI log, a pipe, a file): a
 * redrawn bar there is either nothing or a mess of carriage returns, and minutes of silence look
 * like a hang. One line every few seconds and one at the end, e.g.
 * `indexing: 3,136/5,183 documents (60%), 41 s`.
 */

/** Options of {@link ProgressLines}. */
export interface ProgressLinesOptions {
  /** What is counted, after the numbers (`documents`); nothing when absent. */
  unit?: string;
  /** Least time between two lines before the last, in ms. Default 5000. */
  intervalMs?: number;
  /** Formats a count; default: digits grouped by thousands. */
  format?: (n: number) => string;
  /** Appended to each line, e.g. a rate; receives the count and the seconds so far. */
  extra?: (done: number, seconds: number) => string | undefined;
  /** The clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** Groups digits by thousands: 5183 -> '5,183'. */
export function groupDigits(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds for a human: '0.4 s', '41 s', '3 min 05 s'. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Writes `label: done/total unit (pct%), elapsed` lines to a stream, at most one per interval
 * while counting and always one on {@link finish}.
 *
 * @example
 * ```ts
 * const p = new ProgressLines(process.stderr, 'indexing', 5183, { unit: 'documents' });
 * p.update(3136); // prints only if 5 s passed since the last line
 * p.finish(); // indexing: 5,183/5,183 documents (100%), 1 min 12 s
 * ```
 */
export class ProgressLines {
  private readonly started: number;
  private lastLine: number;
  private done = 0;
  private finished = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly label: string,
    private total: number | undefined,
    private readonly options: ProgressLinesOptions = {},
  ) {
    this.started = this.now();
    this.lastLine = this.started;
  }

  /** Sets the count (and the total, when it becomes known); prints a line when the interval has passed. */
  update(done: number, total?: number): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    const now = this.now();
    if (now - this.lastLine < (this.options.intervalMs ?? 5000)) return;
    this.lastLine = now;
    this.write(now);
  }

  /** Adds to the count. */
  increment(count = 1): void {
    this.update(this.done + count);
  }

  /** Prints the last line (once). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.write(this.now());
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  private write(now: number): void {
    const fmt = this.options.format ?? groupDigits;
    const seconds = (now - this.started) / 1000;
    const unit = this.options.unit ? ` ${this.options.unit}` : '';
    const known = this.total !== undefined && this.total > 0;
    const count = known ? `${fmt(this.done)}/${fmt(this.total!)}${unit} (${Math.floor((100 * this.done) / this.total!)}%)` : `${fmt(this.done)}${unit}`;
    const extra = this.options.extra?.(this.done, seconds);
    this.stream.write(`${this.label}: ${count}, ${formatSeconds(seconds)}${extra ? `, ${extra}` : ''}\n`);
  }
}
