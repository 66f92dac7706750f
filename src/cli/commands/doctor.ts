/** `tartan doctor`: what this installation can do (native kernels, int8 encoding, paths). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { cpus } from 'node:os';
import { printJson } from '../output.js';
import { version } from '../../core/version.js';
import { sharedDir } from '../../core/paths.js';
import { nativeStatus } from '../../scoring/maxsim-native.js';
import { cpuHasVnni } from '../../models/runtime/cpu-features.js';
import { int8CacheDir } from '../../models/runtime/int8-cache.js';
import { resolvePrecision } from '../../models/runtime/onnx-session.js';
import { loadRuntime, NATIVE_INSTALL_HINT } from '../../models/runtime/load-ort.js';

/** Which ONNX runtime models would run on (loads it, as the first model would). */
async function runtimeLine(): Promise<string> {
  try {
    const { info } = await loadRuntime();
    if (info.kind === 'native') return `native (${info.package} ${info.version})`;
    return `wasm (${info.package} ${info.version}, WebAssembly)${info.fallbackReason ? `: ${info.fallbackReason}; for the native runtime, ${NATIVE_INSTALL_HINT}` : ''}`;
  } catch (err) {
    return `unavailable: ${(err as Error).message}`;
  }
}

function precisionLine(): string {
  try {
    return resolvePrecision();
  } catch (err) {
    return `invalid: ${(err as Error).message}`;
  }
}

/** The facts `doctor` reports, flat so that both the table and --json read them directly. */
export async function doctorInfo(): Promise<Record<string, string | number | boolean>> {
  const native = nativeStatus();
  const shared = sharedDir();
  return {
    version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    native: native.available
      ? `${native.isa} (of ${native.supportedIsas?.join(', ')}; ${native.source}: ${native.path})`
      : `unavailable: ${native.reason}; the TypeScript kernels are used (same results, slower)`,
    runtime: await runtimeLine(),
    precision: precisionLine(),
    int8: cpuHasVnni() ? 'VNNI: 8-bit weights' : "no VNNI: 7-bit weights (onnxruntime's non-VNNI int8 path can saturate at 8 bits)",
    int8Cache: int8CacheDir(),
    shared: existsSync(shared) ? shared : `${shared} (absent; only a checkout's tests and benchmarks read it)`,
  };
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'show what this installation can use: version, CPU, native kernels, ONNX runtime (native or WebAssembly), int8 encoding, model precision, folders',
    )
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const info = await doctorInfo();
      if (opts.json) printJson(info);
      else for (const [k, v] of Object.entries(info)) console.log(`${k.padEnd(10)} ${v}`);
    });
}
