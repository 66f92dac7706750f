/**
 * A minimal protobuf wire-format encoder, enough to write ONNX models.
 *
 * A message is kept as a list of pieces rather than one buffer: small encoded
 * fields plus {@link LazyBytes} blobs whose bytes are produced only when the
 * message is streamed to disk. Sizes are known up front, so a nested message's
 * length prefix can be written before its (possibly 400 MB) contents exist.
 *
 * @example
 * ```ts
 * const m = new ProtoMessage().varint(1, 8).string(2, 'tartan');
 * const bytes = m.toBuffer();
 * ```
 */

/** Bytes of known length produced on demand, chunk by chunk. */
export interface LazyBytes {
  readonly byteLength: number;
  /** Yields the bytes in order; a yielded chunk may be reused after the consumer resumes the iterator. */
  chunks(): Iterable<Uint8Array>;
}

/** One piece of an encoded message: ready bytes or bytes made on demand. */
export type Piece = Uint8Array | LazyBytes;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Encodes an unsigned or signed integer as a base-128 varint (negatives as 64-bit two's complement, as protobuf does for int64). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}

function tag(field: number, wireType: number): Uint8Array {
  return encodeVarint((field << 3) | wireType);
}

/** A protobuf message under construction; field methods append and return `this`. */
export class ProtoMessage {
  private readonly parts: Piece[] = [];
  private size = 0;

  /** Encoded size in bytes. */
  get byteLength(): number {
    return this.size;
  }

  private push(piece: Piece): void {
    this.parts.push(piece);
    this.size += piece.byteLength;
  }

  /** A varint field (int32, int64, enum, bool). */
  varint(field: number, value: number | bigint): this {
    this.push(tag(field, WIRE_VARINT));
    this.push(encodeVarint(value));
    return this;
  }

  /** A 32-bit float field. */
  float32(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(tag(field, WIRE_FIXED32));
    this.push(b);
    return this;
  }

  /** A 64-bit float field. */
  float64(field: number, value: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, value, true);
    this.push(tag(field, WIRE_FIXED64));
    this.push(b);
    return this;
  }

  /** A UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A bytes field from ready bytes. */
  bytes(field: number, value: Uint8Array): this {
    this.push(tag(field, WIRE_LENGTH_DELIMITED));
    this.push(encodeVarint(value.byteLength));
    this.push(value);
    return this;
  }

  /** A bytes field whose contents are produced only when the message is streamed. */
  lazyBytes(field: number, value: LazyBytes): this {
    this.push(tag(field, WIRE_LENGTH_DELIMITED));
    this.push(encodeVarint(value.byteLength));
    this.push(value);
    return this;
  }

  /** An embedded message field; `msg` must not change afterwards (its size is taken now). */
  message(field: number, msg: ProtoMessage): this {
    this.push(tag(field, WIRE_LENGTH_DELIMITED));
    this.push(encodeVarint(msg.byteLength));
    for (const p of msg.parts) this.push(p);
    return this;
  }

  /** Bytes already in wire format (whole fields copied from another message), appended as they are. */
  raw(encoded: Uint8Array): this {
    this.push(encoded);
    return this;
  }

  /** The pieces in wire order. */
  pieces(): readonly Piece[] {
    return this.parts;
  }

  /** Yields the whole encoding chunk by chunk, producing lazy bytes on the way. */
  *chunks(): Iterable<Uint8Array> {
    for (const p of this.parts) {
      if (p instanceof Uint8Array) yield p;
      else yield* p.chunks();
    }
  }

  /** The whole encoding in one buffer: for small messages only (tests, tiny models). */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    let at = 0;
    for (const chunk of this.chunks()) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
}
