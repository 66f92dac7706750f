/** The README's Python snippet (examples/export-vectors.py) writes files that `tartan index --vectors` imports as written. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '../stores/file/helpers.js';
import { needsNumpy, python } from '../core/python-numpy.js';
import { tartanSync } from '../cli/run-cli.js';
import { packageRoot } from '../../src/core/paths.js';

const script = join(packageRoot, 'examples', 'export-vectors.py');

test('examples/export-vectors.py: its vectors.npz (+ docs.jsonl) and flat.npz import into indexes that show the texts', needsNumpy, (t) => {
  const dir = tempDir(t, 'tartan-export-');
  assert.match(python([script, dir]), /wrote 3 documents to .*: vectors\.npz, flat\.npz, docs\.jsonl/);
  // The demo vectors are dim 96, like answerai-colbert-small-v1; lexical:96 stands in for it without a download.
  for (const file of ['vectors.npz', 'flat.npz']) {
    const idx = join(dir, `idx-${file}`);
    const r = tartanSync(['index', idx, '--vectors', join(dir, file), '--docs', join(dir, 'docs.jsonl'), '--model', 'lexical:96', '--json', '--no-progress']);
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { added: number; layout: string; info: { dim: number } };
    assert.deepEqual([summary.added, summary.layout, summary.info.dim], [3, file === 'flat.npz' ? 'npz-flat' : 'npz-arrays', 96]);
    type Hits = { hits: Array<{ id: string; text?: string; metadata?: { year: number } }> };
    const bm25 = JSON.parse(tartanSync(['search', idx, 'salt blood pressure', '--pipeline', 'bm25', '--json']).stdout) as Hits;
    assert.equal(bm25.hits[0].id, 'salt', 'the texts of docs.jsonl feed BM25');
    const filtered = JSON.parse(tartanSync(['search', idx, 'anything', '--filter', '{"year": 2015}', '--json']).stdout) as Hits;
    assert.deepEqual(filtered.hits, [{ ...filtered.hits[0], id: 'salt', text: 'Eating less salt lowers blood pressure.', metadata: { year: 2015 } }]);
  }
});
