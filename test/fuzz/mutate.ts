/**
 * File mutators for the reader fuzz tests: byte-level damage (bit flips,
 * truncation, appended garbage, invalid UTF-8, random bytes) and
 * structure-aware damage (a JSON value replaced by a hostile one, a key
 * dropped) so readers see both unparsable files and well-formed files that
 * lie. Seeded, so a failing case is replayed from the seed it prints.
 */
import { ErrorCodes, TartanError } from '../../src/core/errors.js';

export { seededRandom as rng } from '../../src/core/random.js';

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x22, 0x7b, 0x7d, 0x5b, 0x39, 0x2d, 0x0a, 0x2c, 0x3a];
const BAD_UTF8 = [Buffer.from([0xc3, 0x28]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff]), Buffer.from([0xf0, 0x9f]), Buffer.from([0xc0, 0xaf])];

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
}

/** Byte-level mutations: each returns a new buffer and its name. */
export const BYTE_MUTATIONS: ReadonlyArray<[string, (b: Buffer, r: Rand) => Buffer]> = [
  [
    'flip-bits',
    (b, r) => {
      const c = Buffer.from(b);
      for (let i = 0, n = 1 + int(r, 8); i < n && c.length; i++) c[int(r, c.length)] ^= 1 << int(r, 8);
      return c;
    },
  ],
  [
    'set-bytes',
    (b, r) => {
      const c = Buffer.from(b);
      for (let i = 0, n = 1 + int(r, 4); i < n && c.length; i++) c[int(r, c.length)] = pick(r, INTERESTING);
      return c;
    },
  ],
  ['truncate', (b, r) => b.subarray(0, int(r, b.length))],
  ['truncate-tail', (b, r) => b.subarray(0, Math.max(0, b.length - 1 - int(r, 16)))],
  ['append-garbage', (b, r) => Buffer.concat([b, randomBytes(r, 1 + int(r, 64))])],
  [
    'insert-garbage',
    (b, r) => {
      const at = int(r, b.length + 1);
      return Buffer.concat([b.subarray(0, at), randomBytes(r, 1 + int(r, 16)), b.subarray(at)]);
    },
  ],
  [
    'duplicate-slice',
    (b, r) => {
      const s = int(r, b.length + 1),
        e = Math.min(b.length, s + int(r, 64));
      return Buffer.concat([b.subarray(0, e), b.subarray(s, e), b.subarray(e)]);
    },
  ],
  [
    'invalid-utf8',
    (b, r) => {
      const at = int(r, b.length + 1);
      return Buffer.concat([b.subarray(0, at), pick(r, BAD_UTF8), b.subarray(at)]);
    },
  ],
  ['random-bytes', (_b, r) => randomBytes(r, int(r, 300))],
  ['empty', () => Buffer.alloc(0)],
];

/** Values that make a well-formed JSON file lie: wrong types, extremes, traversal strings. */
const HOSTILE_JSON: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -0.5,
  1e308,
  -1e308,
  2 ** 32,
  2 ** 53,
  4294967295,
  '',
  'x',
  '../../../../etc/passwd',
  '/etc/passwd',
  'a\u0000b',
  [],
  {},
  [null],
  [-1, -1],
  [0, 1e12],
  { a: 1 },
  'x'.repeat(10_000),
  '\ud800',
  [[[[[]]]]],
];

/** Every [parent, key] of a JSON value, depth first (capped: big files have huge arrays). */
function slots(v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = [], depth = 0): typeof out {
  if (out.length > 2000 || depth > 8 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) {
    for (let i = 0; i < Math.min(v.length, 16); i++) {
      out.push([v, i]);
      slots(v[i], out, depth + 1);
    }
  } else {
    for (const k of Object.keys(v)) {
      out.push([v as Record<string, unknown>, k]);
      slots((v as Record<string, unknown>)[k], out, depth + 1);
    }
  }
  return out;
}

/** Replaces one JSON value (or drops a key, or swaps in a hostile top level); undefined when `text` is not JSON. */
export function mutateJson(text: string, r: Rand): string | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const all = slots(v);
  const roll = r();
  if (all.length === 0 || roll < 0.05) return JSON.stringify(pick(r, HOSTILE_JSON));
  for (let i = 0, n = 1 + int(r, 3); i < n; i++) {
    const [parent, key] = pick(r, all);
    if (!Array.isArray(parent) && roll < 0.25) delete (parent as Record<string, unknown>)[key as string];
    else (parent as Record<string, unknown>)[key as string] = pick(r, HOSTILE_JSON);
  }
  return JSON.stringify(v);
}

/** One mutation of `seed`: byte-level, or (for JSON content, half the time) structure-aware. */
export function mutate(seed: Buffer, r: Rand, json = false): { bytes: Buffer; how: string } {
  if (json && r() < 0.5) {
    const m = mutateJson(seed.toString('utf8'), r);
    if (m !== undefined) return { bytes: Buffer.from(m, 'utf8'), how: 'json-value' };
  }
  const [name, fn] = pick(r, BYTE_MUTATIONS);
  return { bytes: fn(seed, r), how: name };
}

/** Counts cases and outcomes per reader; fails on the first error that is not a coded TartanError. */
export class FuzzStats {
  total = 0;
  private readonly perReader = new Map<string, { ok: number; coded: number }>();

  /** Runs one case: success and coded TartanErrors are fine; anything else is rethrown with the case named. */
  async run(reader: string, caseName: string, fn: () => unknown): Promise<'ok' | 'coded'> {
    this.total++;
    const s = this.perReader.get(reader) ?? { ok: 0, coded: 0 };
    this.perReader.set(reader, s);
    const started = Date.now();
    let outcome: 'ok' | 'coded';
    try {
      await fn();
      s.ok++;
      outcome = 'ok';
    } catch (e) {
      if (!(e instanceof TartanError && (Object.values(ErrorCodes) as string[]).includes(e.code))) {
        const what = e instanceof Error ? `${e.constructor.name}: ${e.message}\n${e.stack}` : String(e);
        throw new Error(`${reader} ${caseName}: not a coded TartanError: ${what}`, { cause: e });
      }
      s.coded++;
      outcome = 'coded';
    }
    // a reader that takes seconds on a small damaged file is a hang in the making
    if (Date.now() - started > 10_000) throw new Error(`${reader} ${caseName}: took ${Date.now() - started} ms`);
    return outcome;
  }

  summary(): string {
    return [...this.perReader].map(([k, v]) => `${k} ${v.ok + v.coded} (${v.ok} read, ${v.coded} refused)`).join('; ');
  }
}
