/**
 * A minimal protobuf wire-format reader, enough to walk ONNX models without
 * copying them: each field is reported with its byte range in the source buffer,
 * so a rewriter can copy untouched fields verbatim and read only what it changes.
 *
 * @example
 * ```ts
 * for (const f of readFields(bytes)) if (f.field === 7) console.log('graph at', f.valueStart, f.valueEnd);
 * ```
 */

/** One field of a message, located in the buffer it was read from. */
export interface WireField {
  field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  wire: number;
  /** Byte range of the whole field, tag included: copy `buf.subarray(start, end)` to keep it as is. */
  start: number;
  end: number;
  /** Byte range of the value (for length-delimited fields, the payload without its length). */
  valueStart: number;
  valueEnd: number;
  /** The value of a varint field (exact up to 2^53). */
  varint: number;
}

/** Thrown for bytes that are not a well-formed protobuf message. */
export class ProtobufFormatError extends Error {}

function readVarint(buf: Uint8Array, at: number, end: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 10; i++) {
    const byte = buf[i];
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new ProtobufFormatError(`truncated varint at byte ${at}`);
}

/** The fields of the message in `buf[start, end)`, in wire order. */
export function* readFields(buf: Uint8Array, start = 0, end = buf.byteLength): Generator<WireField> {
  let at = start;
  while (at < end) {
    const fieldStart = at;
    const key = readVarint(buf, at, end);
    at = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    let valueStart = at;
    let valueEnd: number;
    let varint = 0;
    if (wire === 0) {
      const v = readVarint(buf, at, end);
      varint = v.value;
      valueEnd = v.next;
    } else if (wire === 1) valueEnd = at + 8;
    else if (wire === 5) valueEnd = at + 4;
    else if (wire === 2) {
      const len = readVarint(buf, at, end);
      valueStart = len.next;
      valueEnd = valueStart + len.value;
    } else throw new ProtobufFormatError(`unsupported wire type ${wire} at byte ${fieldStart}`);
    if (field === 0 || valueEnd > end) throw new ProtobufFormatError(`field at byte ${fieldStart} runs past the end of its message`);
    at = valueEnd;
    yield { field, wire, start: fieldStart, end: valueEnd, valueStart, valueEnd, varint };
  }
}

/** A length-delimited field's payload as UTF-8 text. */
export function fieldString(buf: Uint8Array, f: WireField): string {
  return new TextDecoder().decode(buf.subarray(f.valueStart, f.valueEnd));
}

/** The values of a repeated varint field that may be packed (one length-delimited run) or not (one field each). */
export function fieldVarints(buf: Uint8Array, f: WireField): number[] {
  if (f.wire === 0) return [f.varint];
  const out: number[] = [];
  for (let at = f.valueStart; at < f.valueEnd;) {
    const v = readVarint(buf, at, f.valueEnd);
    out.push(v.value);
    at = v.next;
  }
  return out;
}
