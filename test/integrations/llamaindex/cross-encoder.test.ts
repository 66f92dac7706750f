import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextNode, type NodeWithScore } from '@llamaindex/core/schema';
import { TextCrossEncoder } from '../../../src/models/encoders/cross-encoder.js';
import { makeSyntheticModel } from '../../../src/models/synthetic/index.js';
import { TartanNodePostprocessor } from '../../../src/integrations/llamaindex/index.js';
import { SHARED, sharedSuite } from '../../shared-fixtures.js';
import { CORPUS } from '../shared/corpus.js';

// Random weights: this checks the wiring (the logits used, the order, the calls), never quality.
const { test, before, after } = sharedSuite(SHARED.tokenizer);

let root = '';
let encoder: TextCrossEncoder;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'tartan-li-ce-'));
  await makeSyntheticModel(join(root, 'ce'), { arch: 'tiny', kind: 'cross-encoder', seed: 9 });
  encoder = await TextCrossEncoder.load(join(root, 'ce'), { threads: 1 });
});
after(async () => {
  await encoder?.dispose();
  await rm(root, { recursive: true, force: true });
});

test('TartanNodePostprocessor with a cross-encoder sets each node score to its logit, best first, topN kept', async () => {
  const query = 'what lowers blood pressure';
  const nodes: NodeWithScore[] = CORPUS.slice(0, 6).map((d) => ({ node: new TextNode({ id_: d.id, text: d.text!, metadata: d.metadata }), score: 1 }));
  let scored = 0;
  const score = encoder.score.bind(encoder);
  encoder.score = async (q, docs, o) => {
    scored += docs.length;
    return score(q, docs, o);
  };
  const logits = await score(
    query,
    nodes.map((n) => (n.node as TextNode).text),
  );
  const expected = nodes
    .map((n, i) => ({ id: n.node.id_, score: logits[i] }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 3);
  const out = await new TartanNodePostprocessor({ model: encoder, topN: 3 }).postprocessNodes(nodes, query);
  assert.deepEqual(
    out.map((n) => n.node.id_),
    expected.map((e) => e.id),
  );
  out.forEach((n, i) => assert.ok(Math.abs(n.score! - expected[i].score) < 1e-5));
  assert.equal(scored, nodes.length, 'each node is scored once');
});
