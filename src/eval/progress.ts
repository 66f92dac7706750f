/**
 * Progress reporting for long evaluation steps (indexing, querying). The
 * evaluator talks to this small interface; the CLI passes a cli-progress bar
 * on stderr, tests and library users pass nothing (silent).
 */
import cliProgress from 'cli-progress';

/** Receives progress of one step at a time. */
export interface Progress {
  start(label: string, total: number): void;
  tick(count?: number): void;
  stop(): void;
}

/** A progress sink that reports nothing. */
export const silentProgress: Progress = { start() {}, tick() {}, stop() {} };

/**
 * A progress bar on stderr (cli-progress), one bar per step, redrawn at most
 * every 100 ms so it costs nothing measurable.
 *
 * @example
 * ```ts
 * const p = stderrProgress();
 * p.start('indexing bm25', docs.length); for (const d of docs) { index(d); p.tick(); } p.stop();
 * ```
 */
export function stderrProgress(): Progress {
  let bar: cliProgress.SingleBar | undefined;
  return {
    start(label, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          format: `${label.padEnd(24)} {bar} {value}/{total} {duration_formatted} (eta {eta_formatted})`,
          stream: process.stderr,
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
