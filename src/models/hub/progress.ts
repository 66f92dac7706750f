/**
 * Download progress: a callback shape for library users, and on stderr a terminal bar
 * (cli-progress) showing bytes, speed and ETA, or plain lines every few seconds when stderr is
 * not a terminal. cli-progress loads only when a bar is opened, so importing the library does not load it.
 */
import type CliProgress from 'cli-progress';
import { ProgressLines } from '../../core/progress-lines.js';

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

/**
 * True when download progress should be shown: unless asked not to. `stream` decides how
 * ({@link ByteProgressBar}): a bar on a terminal, plain lines elsewhere, so a download in a CI
 * log is not minutes of silence.
 */
export function wantsProgressBar(requested: boolean | undefined): boolean {
  return requested ?? true;
}

/**
 * Byte progress for one file at a time: a redrawn bar when the stream is a terminal, else a line
 * such as `model.onnx: 45.0 MiB/90.0 MiB (50%), 12 s, 3.8 MiB/s` every 5 s and when the file is done.
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
  private lines: ProgressLines | undefined;
  private startedAt = 0;
  private startBytes = 0;

  private constructor(
    private readonly lib: typeof CliProgress,
    private readonly stream: NodeJS.WritableStream,
    private readonly redraw: boolean,
  ) {}

  /** Progress on `stream` (default stderr): a bar when it is a terminal, else plain lines. Loads cli-progress on first use. */
  static async open(stream: NodeJS.WritableStream = process.stderr): Promise<ByteProgressBar> {
    const lib = (await import('cli-progress')).default;
    return new ByteProgressBar(lib, stream, (stream as NodeJS.WriteStream).isTTY === true);
  }

  /** Starts a bar for `file`; `loaded` is where a resumed download starts. */
  start(file: string, total: number | undefined, loaded: number): void {
    this.stop();
    const known = total !== undefined && total > 0;
    this.startedAt = Date.now();
    this.startBytes = loaded;
    if (!this.redraw) {
      this.lines = new ProgressLines(this.stream, file, known ? total : undefined, {
        format: formatBytes,
        extra: (done) => this.payload(done, total).speed,
      });
      this.lines.update(loaded);
      return;
    }
    this.bar = new this.lib.SingleBar(
      {
        stream: this.stream,
        format: known ? '{file} [{bar}] {percentage}% | {loadedText}/{totalText} | {speed} | ETA {eta_formatted}' : '{file} {loadedText} | {speed}',
        hideCursor: false,
        etaBuffer: 50,
      },
      this.lib.Presets.shades_classic,
    );
    this.bar.start(known ? total : 1, loaded, { file, ...this.payload(loaded, total) });
  }

  update(loaded: number, total?: number): void {
    this.bar?.update(loaded, this.payload(loaded, total));
    this.lines?.update(loaded, total !== undefined && total > 0 ? total : undefined);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.lines?.finish();
    this.lines = undefined;
  }

  private payload(loaded: number, total: number | undefined): Record<string, string> {
    const seconds = (Date.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? (loaded - this.startBytes) / seconds : 0;
    return { loadedText: formatBytes(loaded), totalText: total ? formatBytes(total) : '?', speed: `${formatBytes(Math.round(rate))}/s` };
  }
}
