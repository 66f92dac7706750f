/**
 * Download progress: a callback shape for library users and a terminal bar
 * (cli-progress, on stderr) showing bytes, speed and ETA for the CLI. cli-progress loads
 * only when a bar is opened, so importing the library does not load it.
 */
import type CliProgress from 'cli-progress';

/** One progress report for one file; `loaded` counts bytes already on disk (resumed bytes included). */
export interface DownloadProgress {
  file: string;
  loaded: number;
  total?: number;
}

/** Formats a byte count with binary units, e.g. 1536 -> '1.5 KiB'. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** True when a bar should be drawn: when asked for, else when stderr is a terminal. */
export function wantsProgressBar(requested: boolean | undefined, stream: NodeJS.WriteStream = process.stderr): boolean {
  return requested ?? Boolean(stream.isTTY);
}

/**
 * A byte progress bar for one file at a time.
 *
 * @example
 * ```ts
 * const bar = await ByteProgressBar.open();
 * bar.start('model.onnx', 90_000_000, 0);
 * bar.update(1_000_000);
 * bar.stop();
 * ```
 */
export class ByteProgressBar {
  private bar: CliProgress.SingleBar | undefined;
  private startedAt = 0;
  private startBytes = 0;

  private constructor(
    private readonly lib: typeof CliProgress,
    private readonly stream: NodeJS.WritableStream,
  ) {}

  /** A bar drawing on `stream` (default stderr); loads cli-progress on first use. */
  static async open(stream: NodeJS.WritableStream = process.stderr): Promise<ByteProgressBar> {
    const lib = (await import('cli-progress')).default;
    return new ByteProgressBar(lib, stream);
  }

  /** Starts a bar for `file`; `loaded` is where a resumed download starts. */
  start(file: string, total: number | undefined, loaded: number): void {
    this.stop();
    const known = total !== undefined && total > 0;
    this.bar = new this.lib.SingleBar(
      {
        stream: this.stream,
        format: known ? '{file} [{bar}] {percentage}% | {loadedText}/{totalText} | {speed} | ETA {eta_formatted}' : '{file} {loadedText} | {speed}',
        hideCursor: false,
        // Draw even when stderr is redirected, if the caller asked for a bar.
        noTTYOutput: true,
        notTTYSchedule: 2000,
        etaBuffer: 50,
      },
      this.lib.Presets.shades_classic,
    );
    this.startedAt = Date.now();
    this.startBytes = loaded;
    this.bar.start(known ? total : 1, loaded, { file, ...this.payload(loaded, total) });
  }

  update(loaded: number, total?: number): void {
    this.bar?.update(loaded, this.payload(loaded, total));
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  private payload(loaded: number, total: number | undefined): Record<string, string> {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? (loaded - this.startBytes) / seconds : 0;
    return { loadedText: formatBytes(loaded), totalText: total ? formatBytes(total) : '?', speed: `${formatBytes(Math.round(rate))}/s` };
  }
}
