/**
 * Progress reporting for long evaluation steps (indexing, querying). The
 * evaluator talks to this small interface; the CLI passes {@link stderrProgress}
 * (a bar on a terminal, plain lines elsewhere), tests and library users pass nothing (silent).
 */
import cliProgress from 'cli-progress';
import { ProgressLines } from '../core/progress-lines.js';

/** Receives progress of one step at a time. */
export interface Progress {
  start(label: string, total: number): void;
  tick(count?: number): void;
  stop(): void;
}

/** A progress sink that reports nothing. */
export const silentProgress: Progress = { start() {}, tick() {}, stop() {} };

/** Options of {@link stderrProgress}. */
export interface StderrProgressOptions {
  /** Where to report (default process.stderr). */
  stream?: NodeJS.WriteStream | NodeJS.WritableStream;
  /** A redrawn bar (default: when the stream is a terminal) or plain lines. */
  bar?: boolean;
  /** Plain lines: least time between two lines, in ms (default 5000). */
  intervalMs?: number;
}

/**
 * Progress on stderr, one step at a time: a cli-progress bar on a terminal (redrawn at most every
 * 100 ms so it costs nothing measurable); elsewhere (a pipe, a CI log) a plain line such as
 * `querying bm25: 150/300 (50%), 5.2 s` every few seconds and one when the step ends.
 *
 * @example
 * ```ts
 * const p = stderrProgress();
 * p.start('indexing bm25', docs.length); for (const d of docs) { index(d); p.tick(); } p.stop();
 * ```
 */
export function stderrProgress(options: StderrProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const useBar = options.bar ?? (stream as NodeJS.WriteStream).isTTY === true;
  return useBar ? barProgress(stream) : lineProgress(stream, options.intervalMs);
}

function lineProgress(stream: NodeJS.WritableStream, intervalMs: number | undefined): Progress {
  let lines: ProgressLines | undefined;
  return {
    start(label, total) {
      lines?.finish();
      lines = new ProgressLines(stream, label, total, intervalMs !== undefined ? { intervalMs } : {});
    },
    tick(count = 1) {
      lines?.increment(count);
    },
    stop() {
      lines?.finish();
      lines = undefined;
    },
  };
}

function barProgress(stream: NodeJS.WritableStream): Progress {
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(24)} {bar} {value}/{total} {duration_formatted} (eta {eta_formatted})`,
          stream,
          fps: 10,
          noTTYOutput: true,
          notTTYSchedule: 5000,
          hideCursor: false,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    tick(count = 1) {
      bar?.increment(count);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
