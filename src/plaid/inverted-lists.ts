/**
 * Inverted lists from centroid to passages: for each centroid, the sorted
 * local passage numbers whose tokens use it, each passage once. Stored as
 * k+1 uint32 byte offsets followed by delta-encoded varints, which keeps
 * them at about one byte per entry.
 */

/** Builds the serialised lists for passages whose token codes are `codes`, passage p spanning tokenOffsets[p]..[p+1]. */
export function buildInvertedLists(codes: ArrayLike<number>, tokenOffsets: ArrayLike<number>, passages: number, k: number): Uint8Array {
  const counts = new Uint32Array(k + 1);
  const last = new Int32Array(k).fill(-1);
  for (let p = 0; p < passages; p++) {
    for (let t = tokenOffsets[p]; t < tokenOffsets[p + 1]; t++) {
      const c = codes[t];
      if (last[c] !== p) {
        last[c] = p;
        counts[c + 1]++;
      }
    }
  }
  const starts = new Uint32Array(k + 1);
  for (let c = 0; c < k; c++) starts[c + 1] = starts[c] + counts[c + 1];
  const flat = new Uint32Array(starts[k]);
  const fill = starts.slice(0, k);
  last.fill(-1);
  for (let p = 0; p < passages; p++) {
    for (let t = tokenOffsets[p]; t < tokenOffsets[p + 1]; t++) {
      const c = codes[t];
      if (last[c] !== p) {
        last[c] = p;
        flat[fill[c]++] = p;
      }
    }
  }
  const bytes: number[] = [];
  const byteOffsets = new Uint32Array(k + 1);
  for (let c = 0; c < k; c++) {
    let prev = 0;
    for (let i = starts[c]; i < starts[c + 1]; i++) {
      let v = flat[i] - prev;
      prev = flat[i];
      while (v >= 0x80) {
        bytes.push((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      bytes.push(v);
    }
    byteOffsets[c + 1] = bytes.length;
  }
  const out = new Uint8Array(byteOffsets.byteLength + bytes.length);
  out.set(new Uint8Array(byteOffsets.buffer), 0);
  out.set(bytes, byteOffsets.byteLength);
  return out;
}

/** Read access to serialised inverted lists. */
export class InvertedLists {
  /** k + 1 byte offsets into `body` (read by the native list scorer). */
  readonly offsets: Uint32Array;
  /** Delta-encoded varint passage numbers. */
  readonly body: Uint8Array;

  constructor(
    serialised: Uint8Array,
    readonly k: number,
  ) {
    const copy = serialised.byteOffset % 4 === 0 ? serialised : serialised.slice();
    this.offsets = new Uint32Array(copy.buffer, copy.byteOffset, k + 1);
    this.body = copy.subarray((k + 1) * 4);
  }

  /** Calls `visit` with each passage of centroid `c`, in increasing order. */
  forEach(c: number, visit: (passage: number) => void): void {
    const b = this.body;
    let i = this.offsets[c];
    const end = this.offsets[c + 1];
    let prev = 0;
    while (i < end) {
      let v = 0,
        shift = 0,
        byte: number;
      do {
        byte = b[i++];
        v += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      prev += v;
      visit(prev);
    }
  }

  /** The passages of centroid `c` as an array. */
  list(c: number): number[] {
    const out: number[] = [];
    this.forEach(c, (p) => out.push(p));
    return out;
  }
}
