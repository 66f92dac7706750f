/**
 * The MaxSim benchmark behind `tartan bench maxsim`: one query (32 x 128 by default)
 * against 1,000,000 document tokens in documents of 100-300 rows, stored as float32,
 * float16 and int8, scored by the native kernels (1 thread and all threads), the
 * TypeScript kernels and a naive nested-loop baseline, next to the machine's
 * measured FMA peak. Timings are medians of `repeats` runs; the TypeScript and naive
 * runs score a prefix of the documents (they are 10-1000x slower) and report rates.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { halfTable } from '../src/scoring/float16.js';
import { maxsim } from '../src/scoring/maxsim.js';
import { nativeKernels, nativeStatus } from '../src/scoring/maxsim-native.js';

import { toF16Documents, toI8Documents } from '../src/scoring/quantize.js';
import type { PackedDocuments } from '../src/scoring/types.js';
import type { TokenMatrix } from '../src/core/tensors.js';
import { randomRows, seededRandom } from '../src/core/random.js';

export interface MaxSimBenchOptions {
  docTokens?: number;
  queryTokens?: number;
  dim?: number;
  repeats?: number;
  /** Threads for the "all threads" native run (default: every core). */
  threads?: number;
  /** Document tokens the TypeScript kernels score (default 50,000). */
  tsTokens?: number;
  /** Document tokens the naive baseline scores (default 5,000). */
  naiveTokens?: number;
  seed?: number;
  onProgress?: (message: string) => void;
}

export type BenchDType = 'f32' | 'f16' | 'i8';

export interface MaxSimBenchResult {
  impl: 'native' | 'ts' | 'naive';
  dtype: BenchDType;
  threads: number;
  /** Document tokens scored per run. */
  doc_tokens: number;
  median_s: number;
  tokens_per_s: number;
  /** 2 x query rows x document tokens x dim per second. */
  gflops: number;
  /** CPU seconds per wall second during the runs: below `threads` means the machine was shared. */
  cpu_per_wall: number;
  /** FLOPs per CPU second used (summed over threads): the rate the cores reached while they ran. */
  gflops_per_cpu_s: number;
}

export interface MaxSimBenchGoal {
  goal: string;
  /** 'wall': elapsed-time rates; 'cpu': rates per CPU second, robust to other processes sharing the cores. */
  basis: 'wall' | 'cpu';
  value: number;
  target: number;
  met: boolean;
}

export interface MaxSimBenchReport {
  machine: { cpu: string; cores: number; isa: string; node: string; platform: string; loadavg_1m: number };
  config: { doc_tokens: number; query_tokens: number; dim: number; documents: number; repeats: number };
  /** Single-core FMA peak (GFLOP/s), median of the repeats; null without the native addon. */
  peak_gflops: number | null;
  /** All-core FMA peak (GFLOP/s). */
  peak_gflops_all: number | null;
  /** The same peaks per CPU second of the FMA threads (what a core delivers when not shared). */
  peak_gflops_per_cpu_s: number | null;
  peak_gflops_all_per_cpu_s: number | null;
  results: MaxSimBenchResult[];
  goals: MaxSimBenchGoal[];
}

/** Offsets of documents of 100-300 rows adding up to exactly `tokens` rows. */
function documentOffsets(rand: () => number, tokens: number): Uint32Array {
  const lengths: number[] = [];
  for (let total = 0; total < tokens;) {
    const l = Math.min(tokens - total, 100 + Math.floor(rand() * 201));
    lengths.push(l);
    total += l;
  }
  const offsets = new Uint32Array(lengths.length + 1);
  lengths.forEach((l, i) => (offsets[i + 1] = offsets[i] + l));
  return offsets;
}

/** The first documents of `docs` covering at most `tokens` rows (at least one document). */
function prefix(docs: PackedDocuments, tokens: number): PackedDocuments {
  let n = 1;
  while (n + 1 < docs.offsets.length && docs.offsets[n + 1] <= tokens) n++;
  return { ...docs, offsets: docs.offsets.subarray(0, n + 1) } as PackedDocuments;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeRuns(repeats: number, fn: () => void): { median: number; cpuPerWall: number; cpuMedian: number } {
  const cpuTimes: number[] = [];
  const times: number[] = [];
  let cpu = 0,
    wall = 0;
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    fn();
    const t = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    times.push(t);
    cpuTimes.push((c.user + c.system) / 1e6);
    wall += t;
    cpu += (c.user + c.system) / 1e6;
  }
  return { median: median(times), cpuPerWall: wall > 0 ? cpu / wall : 0, cpuMedian: median(cpuTimes) };
}

/**
 * The naive baseline: nested loops over plain number indexing, decoding float16 and
 * int8 values one at a time, no blocking, no typed-array tricks.
 */
export function naiveMaxSim(query: TokenMatrix, docs: PackedDocuments): number[] {
  const table = docs.dtype === 'f16' ? halfTable() : null;
  const value = (i: number): number =>
    docs.dtype === 'f32' ? docs.data[i] : docs.dtype === 'f16' ? table![docs.data[i]] : docs.data[i] * docs.scales[Math.floor(i / docs.dim)];
  const scores: number[] = [];
  for (let d = 0; d + 1 < docs.offsets.length; d++) {
    let score = 0;
    for (let q = 0; q < query.rows && docs.offsets[d + 1] > docs.offsets[d]; q++) {
      let best = -Infinity;
      for (let r = docs.offsets[d]; r < docs.offsets[d + 1]; r++) {
        let s = 0;
        for (let k = 0; k < query.dim; k++) s += query.data[q * query.dim + k] * value(r * docs.dim + k);
        if (s > best) best = s;
      }
      score += best;
    }
    scores.push(score);
  }
  return scores;
}

/** Runs the benchmark; see the module comment. Takes tens of seconds at the default size. */
export function runMaxSimBench(opts: MaxSimBenchOptions = {}): MaxSimBenchReport {
  const docTokens = opts.docTokens ?? 1_000_000;
  const qrows = opts.queryTokens ?? 32;
  const dim = opts.dim ?? 128;
  const repeats = opts.repeats ?? 5;
  const allThreads = opts.threads ?? availableParallelism();
  const say = opts.onProgress ?? (() => {});
  const rand = seededRandom(opts.seed ?? 7);

  say(`generating ${docTokens} document tokens x ${dim} dims`);
  const query: TokenMatrix = { data: randomRows(rand, qrows, dim), rows: qrows, dim };
  const offsets = documentOffsets(rand, docTokens);
  const batch = { data: randomRows(rand, docTokens, dim), offsets, dim };
  const stores: Record<BenchDType, PackedDocuments> = { f32: { dtype: 'f32', ...batch }, f16: toF16Documents(batch), i8: toI8Documents(batch) };

  const addon = nativeKernels();
  const status = nativeStatus();
  const flops = (tokens: number): number => 2 * qrows * tokens * dim;
  const results: MaxSimBenchResult[] = [];
  const record = (impl: MaxSimBenchResult['impl'], dtype: BenchDType, threads: number, tokens: number, runs: number, fn: () => void): void => {
    fn(); // warm-up: page in the data, compile, start the thread pool
    const { median: t, cpuPerWall, cpuMedian } = timeRuns(runs, fn);
    results.push({
      impl,
      dtype,
      threads,
      doc_tokens: tokens,
      median_s: t,
      tokens_per_s: tokens / t,
      gflops: flops(tokens) / t / 1e9,
      cpu_per_wall: cpuPerWall,
      gflops_per_cpu_s: flops(tokens) / Math.max(cpuMedian, 1e-9) / 1e9,
    });
    say(`${impl} ${dtype} threads=${threads}: ${(tokens / t / 1e6).toFixed(2)} M tokens/s`);
  };

  let peak: number | null = null,
    peakAll: number | null = null,
    peakCpu: number | null = null,
    peakAllCpu: number | null = null;
  if (addon) {
    say('measuring the FMA peak');
    const one = Array.from({ length: repeats }, () => addon.peak(1, 0.25));
    const all = Array.from({ length: repeats }, () => addon.peak(allThreads, 0.25));
    peak = median(one.map((p) => p.gflops));
    peakCpu = median(one.map((p) => p.gflopsPerCpuSecond));
    peakAll = median(all.map((p) => p.gflops));
    peakAllCpu = median(all.map((p) => p.gflopsPerCpuSecond));
  }
  for (const dtype of ['f32', 'f16', 'i8'] as const) {
    const docs = stores[dtype];
    if (addon) {
      record('native', dtype, 1, docTokens, repeats, () => maxsim(query, docs, { impl: 'native', threads: 1 }));
      if (allThreads > 1) record('native', dtype, allThreads, docTokens, repeats, () => maxsim(query, docs, { impl: 'native', threads: allThreads }));
    }
    const tsDocs = prefix(docs, opts.tsTokens ?? 50_000);
    const tsTokens = tsDocs.offsets[tsDocs.offsets.length - 1];
    record('ts', dtype, 1, tsTokens, Math.min(repeats, 3), () => maxsim(query, tsDocs, { impl: 'ts' }));
    const naiveDocs = prefix(docs, opts.naiveTokens ?? 5_000);
    record('naive', dtype, 1, naiveDocs.offsets[naiveDocs.offsets.length - 1], Math.min(repeats, 3), () => naiveMaxSim(query, naiveDocs));
  }

  const find = (impl: string, dtype: string, threads: number) => results.find((r) => r.impl === impl && r.dtype === dtype && r.threads === threads);
  const goals: MaxSimBenchGoal[] = [];
  const goal = (name: string, basis: 'wall' | 'cpu', value: number | undefined, target: number): void => {
    if (value !== undefined && Number.isFinite(value)) goals.push({ goal: name, basis, value, target, met: value >= target });
  };
  const n1 = find('native', 'f32', 1),
    nAll = find('native', 'f32', allThreads),
    ts = find('ts', 'f32', 1),
    i8 = find('native', 'i8', 1);
  if (peak && peakCpu && n1) {
    goal('native f32 1 thread / single-core FMA peak', 'wall', n1.gflops / peak, 0.5);
    goal('native f32 1 thread / single-core FMA peak', 'cpu', n1.gflops_per_cpu_s / peakCpu, 0.5);
  }
  if (n1 && nAll && allThreads > 1) {
    goal(`native f32 ${allThreads} threads / 1 thread`, 'wall', nAll.tokens_per_s / n1.tokens_per_s, 1.8);
    // Per CPU second, ideal scaling keeps the rate per core: threads x (rate per core with N threads / with 1).
    goal(`native f32 ${allThreads} threads / 1 thread`, 'cpu', (allThreads * nAll.gflops_per_cpu_s) / n1.gflops_per_cpu_s, 1.8);
  }
  if (i8 && n1) {
    goal('native i8 / native f32 tokens/s (1 thread)', 'wall', i8.tokens_per_s / n1.tokens_per_s, 2);
    goal('native i8 / native f32 tokens/s (1 thread)', 'cpu', i8.gflops_per_cpu_s / n1.gflops_per_cpu_s, 2);
  }
  if (n1 && ts) {
    goal('native f32 (1 thread) / TypeScript f32', 'wall', n1.tokens_per_s / ts.tokens_per_s, 10);
    goal('native f32 (1 thread) / TypeScript f32', 'cpu', n1.gflops_per_cpu_s / ts.gflops_per_cpu_s, 10);
  }

  return {
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      isa: status.available ? (status.isa ?? 'unknown') : `none (${status.reason})`,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadavg_1m: loadavg()[0],
    },
    config: { doc_tokens: docTokens, query_tokens: qrows, dim, documents: offsets.length - 1, repeats },
    peak_gflops: peak,
    peak_gflops_all: peakAll,
    peak_gflops_per_cpu_s: peakCpu,
    peak_gflops_all_per_cpu_s: peakAllCpu,
    results,
    goals,
  };
}
