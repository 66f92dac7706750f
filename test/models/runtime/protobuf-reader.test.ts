import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldString, fieldVarints, ProtobufFormatError, readFields } from '../../../src/models/runtime/protobuf-reader.js';
import { encodeVarint, ProtoMessage } from '../../../src/models/runtime/protobuf-writer.js';

test('reads back what the writer wrote: varints, strings, fixed widths, nested messages', () => {
  const inner = new ProtoMessage().string(1, 'inner').varint(2, 300);
  const bytes = new ProtoMessage()
    .varint(1, 8)
    .string(2, 'tartan')
    .float32(3, 1.5)
    .float64(4, -2)
    .message(5, inner)
    .varint(6, 2 ** 40)
    .toBuffer();
  const fields = [...readFields(bytes)];
  assert.deepEqual(
    fields.map((f) => [f.field, f.wire]),
    [
      [1, 0],
      [2, 2],
      [3, 5],
      [4, 1],
      [5, 2],
      [6, 0],
    ],
  );
  assert.equal(fields[0].varint, 8);
  assert.equal(fieldString(bytes, fields[1]), 'tartan');
  assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getFloat32(fields[2].valueStart, true), 1.5);
  assert.equal(fields[5].varint, 2 ** 40);
  const nested = [...readFields(bytes, fields[4].valueStart, fields[4].valueEnd)];
  assert.equal(fieldString(bytes, nested[0]), 'inner');
  assert.equal(nested[1].varint, 300);
  // Copying a field's whole byte range reproduces it exactly.
  assert.deepEqual(Buffer.from(bytes.subarray(fields[1].start, fields[1].end)), new ProtoMessage().string(2, 'tartan').toBuffer());
});

test('repeated varints: packed and unpacked forms give the same values', () => {
  const packed = Buffer.concat([Buffer.from([0x0a, 4]), encodeVarint(3), encodeVarint(200), encodeVarint(1)]);
  const [f] = [...readFields(packed)];
  assert.deepEqual(fieldVarints(packed, f), [3, 200, 1]);
  const unpacked = new ProtoMessage().varint(1, 3).varint(1, 200).toBuffer();
  assert.deepEqual(
    [...readFields(unpacked)].flatMap((x) => fieldVarints(unpacked, x)),
    [3, 200],
  );
});

test('malformed bytes are refused, not misread', () => {
  const truncated = new ProtoMessage().string(1, 'hello').toBuffer().subarray(0, 4);
  assert.throws(() => [...readFields(truncated)], ProtobufFormatError);
  assert.throws(() => [...readFields(Uint8Array.of(0x80))], ProtobufFormatError);
  assert.throws(() => [...readFields(Uint8Array.of(0x0b))], ProtobufFormatError); // wire type 3 (groups)
});
