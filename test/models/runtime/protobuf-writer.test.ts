import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeVarint, ProtoMessage, type LazyBytes } from '../../../src/models/runtime/protobuf-writer.js';

test('varints follow the protobuf wire format (values from the protobuf encoding guide)', () => {
  assert.deepEqual([...encodeVarint(0)], [0x00]);
  assert.deepEqual([...encodeVarint(1)], [0x01]);
  assert.deepEqual([...encodeVarint(150)], [0x96, 0x01]);
  assert.deepEqual([...encodeVarint(300)], [0xac, 0x02]);
  // int64 -1 is ten bytes of two's complement.
  assert.deepEqual([...encodeVarint(-1)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
});

test('fields and nested messages encode to the bytes the spec gives', () => {
  // Field 1 varint 150 -> 08 96 01; field 2 string "testing" -> 12 07 74 65 73 74 69 6e 67.
  assert.equal(new ProtoMessage().varint(1, 150).toBuffer().toString('hex'), '089601');
  assert.equal(new ProtoMessage().string(2, 'testing').toBuffer().toString('hex'), '120774657374696e67');
  // Field 3 holding the first message: 1a 03 08 96 01.
  const outer = new ProtoMessage().message(3, new ProtoMessage().varint(1, 150));
  assert.equal(outer.toBuffer().toString('hex'), '1a03089601');
  assert.equal(outer.byteLength, 5);
  // Field 4 fixed32 float 1.0 -> 25 00 00 80 3f.
  assert.equal(new ProtoMessage().float32(4, 1).toBuffer().toString('hex'), '250000803f');
});

test('lazy bytes count in the length prefix and are produced only when streamed', () => {
  let produced = 0;
  const lazy: LazyBytes = {
    byteLength: 300,
    *chunks() {
      produced++;
      yield new Uint8Array(100).fill(7);
      yield new Uint8Array(200).fill(9);
    },
  };
  const m = new ProtoMessage().lazyBytes(9, lazy);
  assert.equal(produced, 0);
  assert.equal(m.byteLength, 1 + 2 + 300);
  const bytes = m.toBuffer();
  assert.equal(produced, 1);
  assert.deepEqual([...bytes.subarray(0, 3)], [0x4a, 0xac, 0x02]);
  assert.equal(bytes[3], 7);
  assert.equal(bytes[302], 9);
});
