// Checks that the prebuilt addon node-gyp-build selects for this machine loads from prebuilds/ and
// scores like a plain JavaScript MaxSim. Run by the release workflow on every platform right after
// `npm run prebuilds`; exits non-zero with the reason otherwise.
import { createRequire } from 'node:module';
import { sep } from 'node:path';

// node-gyp-build reads this when loaded: look in prebuilds/ only, never at a local build/.
process.env.PREBUILDS_ONLY = '1';
const require = createRequire(import.meta.url);
const path = require('node-gyp-build').path(process.cwd());
if (!path.includes(`${sep}prebuilds${sep}`)) throw new Error(`expected a prebuilt addon, node-gyp-build chose ${path}`);
const addon = require(path);

// Deterministic data: 8 query rows, 32 dims, 40 documents of 1..24 tokens.
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
const qrows = 8;
const dim = 32;
const lengths = Array.from({ length: 40 }, (_, i) => 1 + ((i * 7) % 24));
const offsets = new Uint32Array(lengths.length + 1);
lengths.forEach((n, i) => (offsets[i + 1] = offsets[i] + n));
const query = Float32Array.from({ length: qrows * dim }, rand);
const docs = Float32Array.from({ length: offsets[lengths.length] * dim }, rand);
const out = new Float32Array(lengths.length);
const bad = addon.score(0, query, null, null, qrows, dim, docs, null, offsets, new Float32Array(qrows).fill(1), out, 2);
if (bad !== -1) throw new Error(`score reported a non-finite document ${bad}`);

let worst = 0;
for (let d = 0; d < lengths.length; d++) {
  let expected = 0;
  for (let q = 0; q < qrows; q++) {
    let best = -Infinity;
    for (let t = offsets[d]; t < offsets[d + 1]; t++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += query[q * dim + k] * docs[t * dim + k];
      best = Math.max(best, dot);
    }
    expected += best;
  }
  worst = Math.max(worst, Math.abs(expected - out[d]));
}
if (worst > 1e-3) throw new Error(`native MaxSim differs from the reference by ${worst}`);
console.log(JSON.stringify({ path, isa: addon.isa(), supportedIsas: addon.supportedIsas(), maxAbsDiff: worst }));
