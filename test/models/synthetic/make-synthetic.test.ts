import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { isTartanError } from '../../../src/core/errors.js';
import { maxAbsDiff, runBatch, SAMPLE_SEQUENCES } from './onnx-run.js';
import { SHARED, needsShared } from '../../shared-fixtures.js';

const TINY_HIDDEN = 64;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tartan-synthetic-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Per-position width of the output for a sequence of `len` tokens, or whole-sequence for logits. */
const cases = [
  { kind: 'colbert', dim: 24, output: 'token_embeddings', width: 24, perToken: true },
  { kind: 'dense', dim: undefined, output: 'last_hidden_state', width: TINY_HIDDEN, perToken: true },
  { kind: 'backbone', dim: undefined, output: 'last_hidden_state', width: TINY_HIDDEN, perToken: true },
  { kind: 'cross-encoder', dim: undefined, output: 'logits', width: 1, perToken: false },
] as const;

for (const c of cases) {
  test(
    `tiny ${c.kind}: output ${c.output} has the right shape, finite values, and a padded batch equals single runs`,
    needsShared(SHARED.tokenizer),
    async () => {
      await withTempDir(async (dir) => {
        const info = await makeSyntheticModel(dir, { arch: 'tiny', kind: c.kind, dim: c.dim, seed: 3 });
        assert.equal(info.output, c.output);
        const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
        try {
          assert.deepEqual(session.inputNames.slice().sort(), ['attention_mask', 'input_ids', 'token_type_ids']);
          assert.deepEqual(session.outputNames, [c.output]);
          const [a, b] = SAMPLE_SEQUENCES;
          const batch = await runBatch(session, [a, b], c.output);
          const len = a.ids.length;
          assert.deepEqual(batch.dims, c.perToken ? [2, len, c.width] : [2, 1]);
          assert.ok(batch.data.every(Number.isFinite), 'every output value is finite');
          const singleA = await runBatch(session, [a], c.output);
          const singleB = await runBatch(session, [b], c.output);
          const rowsA = c.perToken ? len * c.width : 1;
          const rowsB = c.perToken ? b.ids.length * c.width : 1;
          const batchA = batch.data.subarray(0, rowsA);
          const batchB = batch.data.subarray(rowsA, rowsA + rowsB); // real positions of the padded sequence only
          assert.ok(maxAbsDiff(batchA, singleA.data) < 1e-4, 'sequence A alone equals sequence A in the batch');
          assert.ok(maxAbsDiff(batchB, singleB.data) < 1e-4, 'padding does not change sequence B at its real positions');
          // The two sequences differ, so their outputs must too (the model is not constant). With BERT's
          // 0.02 init the [CLS] state moves little between inputs, so logits differ less than token vectors.
          assert.ok(maxAbsDiff(singleA.data.subarray(0, rowsB), singleB.data) > (c.perToken ? 1e-3 : 1e-5));
        } finally {
          await session.release();
        }
      });
    },
  );
}

test('the attention mask matters: unmasking the padding changes the padded sequence', needsShared(SHARED.tokenizer), async () => {
  await withTempDir(async (dir) => {
    await makeSyntheticModel(dir, { arch: 'tiny', kind: 'dense', seed: 9 });
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
    try {
      const [, b] = SAMPLE_SEQUENCES;
      const masked = await runBatch(session, [b], 'last_hidden_state');
      // Same ids with four extra pad tokens that are attended to (mask 1) must give different vectors.
      const padded = { ids: [...b.ids, 0, 0, 0, 0], types: [...b.types, 0, 0, 0, 0] };
      const attended = await runBatch(session, [padded], 'last_hidden_state');
      assert.ok(maxAbsDiff(masked.data, attended.data.subarray(0, masked.data.length)) > 1e-3);
    } finally {
      await session.release();
    }
  });
});

test('the folder looks like a hub repository and says it is synthetic', needsShared(SHARED.tokenizer), async () => {
  await withTempDir(async (dir) => {
    const info = await makeSyntheticModel(dir, { arch: 'tiny', kind: 'colbert', seed: 5 });
    for (const f of [
      'model.onnx',
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
      'vocab.txt',
      'config_sentence_transformers.json',
      'tartan-synthetic.json',
    ]) {
      assert.ok(existsSync(join(dir, f)), `${f} exists`);
      assert.ok(
        info.files.some((x) => x.path === f && x.bytes > 0),
        `${f} is listed with its size`,
      );
    }
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(
      [
        config.model_type,
        config.hidden_size,
        config.num_hidden_layers,
        config.num_attention_heads,
        config.intermediate_size,
        config.vocab_size,
        config.max_position_embeddings,
        config.type_vocab_size,
      ],
      ['bert', 64, 2, 2, 128, 30522, 512, 2],
    );
    const marker = JSON.parse(await readFile(join(dir, 'tartan-synthetic.json'), 'utf8'));
    assert.equal(marker.synthetic, true);
    assert.deepEqual([marker.arch, marker.kind, marker.dim, marker.seed, marker.layout], ['tiny', 'colbert', 128, 5, 'onnx']);
    const st = JSON.parse(await readFile(join(dir, 'config_sentence_transformers.json'), 'utf8'));
    assert.deepEqual(
      [st.query_prefix, st.document_prefix, st.query_length, st.document_length, st.attend_to_expansion_tokens],
      ['[unused0]', '[unused1]', 32, 300, false],
    );
    assert.equal(st.skiplist_words.join(''), '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
    // tiny: 30522*64 + 512*64 + 2*64 embeddings, 2 layers, plus the 64x128 projection.
    const layer = 4 * (64 * 64 + 64) + 2 * 2 * 64 + (64 * 128 + 128) + (128 * 64 + 64);
    assert.equal(info.params, 30522 * 64 + 512 * 64 + 2 * 64 + 2 * 64 + 2 * layer + 64 * 128);
  });
});

test("a dense model carries bge-small's sentence-transformers files: CLS pooling, then normalisation", needsShared(SHARED.tokenizer), async () => {
  await withTempDir(async (dir) => {
    await makeSyntheticModel(dir, { arch: 'tiny', kind: 'dense' });
    const pooling = JSON.parse(await readFile(join(dir, '1_Pooling', 'config.json'), 'utf8'));
    assert.equal(pooling.word_embedding_dimension, TINY_HIDDEN);
    assert.equal(pooling.pooling_mode_cls_token, true);
    assert.equal(pooling.pooling_mode_mean_tokens, false);
    const modules = JSON.parse(await readFile(join(dir, 'modules.json'), 'utf8')) as { type: string }[];
    assert.deepEqual(
      modules.map((m) => m.type.split('.').pop()),
      ['Transformer', 'Pooling', 'Normalize'],
    );
    // Only ColBERT folders carry ColBERT settings; a loader tells the kinds apart by them.
    assert.ok(!existsSync(join(dir, 'config_sentence_transformers.json')));
  });
});

test('rebuilding a folder as another kind removes the files only the old kind had', needsShared(SHARED.tokenizer), async () => {
  await withTempDir(async (dir) => {
    await makeSyntheticModel(dir, { arch: 'tiny', kind: 'colbert', layout: 'pylate' });
    assert.ok(existsSync(join(dir, '1_Dense', 'model.safetensors')));
    await makeSyntheticModel(dir, { arch: 'tiny', kind: 'cross-encoder' });
    for (const gone of ['1_Dense', 'modules.json', 'config_sentence_transformers.json', 'model.onnx.partial'])
      assert.ok(!existsSync(join(dir, gone)), `${gone} removed`);
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(config.architectures, ['BertForSequenceClassification']);
  });
});

test('without the shared tokenizer fixtures it fails with MODEL_FILES_MISSING before writing weights', async () => {
  await withTempDir(async (dir) => {
    const saved = process.env.TARTAN_SHARED;
    process.env.TARTAN_SHARED = join(dir, 'no-shared-here');
    try {
      await assert.rejects(
        makeSyntheticModel(join(dir, 'model'), { arch: 'tiny', kind: 'dense' }),
        (e: unknown) => isTartanError(e, 'E_MODEL_FILES_MISSING') && e.message.includes('TARTAN_SHARED'),
      );
      assert.ok(!existsSync(join(dir, 'model', 'model.onnx')));
    } finally {
      if (saved === undefined) delete process.env.TARTAN_SHARED;
      else process.env.TARTAN_SHARED = saved;
    }
  });
});

test('bad options are refused with INVALID_ARGUMENT and a message that says what to use', async () => {
  await withTempDir(async (dir) => {
    const bad = [
      { arch: 'huge', kind: 'colbert' },
      { arch: 'tiny', kind: 'splade' },
      { arch: 'tiny', kind: 'dense', layout: 'pylate' },
      { arch: 'tiny', kind: 'dense', dim: 32 },
      { arch: 'tiny', kind: 'colbert', dim: 0 },
      { arch: 'tiny', kind: 'colbert', seed: -1 },
    ];
    for (const opts of bad) {
      await assert.rejects(
        makeSyntheticModel(dir, opts as Parameters<typeof makeSyntheticModel>[1]),
        (e: unknown) => isTartanError(e, 'E_INVALID_ARGUMENT') && /use|drop|must/.test(e.message),
        JSON.stringify(opts),
      );
    }
  });
});
