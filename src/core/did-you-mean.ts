/**
 * "Did you mean" for names typed by hand (model ids, ...): the known name
 * nearest to a typo by edit distance, when it is near enough to be the
 * likely intent rather than a guess.
 */

/**
 * Optimal-string-alignment distance: insertions, deletions, substitutions and
 * swaps of two neighbouring characters each cost 1 ("lexicl" -> "lexical" is 1).
 * @example editDistance('lexicl', 'lexical') // 1
 */
export function editDistance(a: string, b: string): number {
  const n = b.length;
  // Three rows suffice: the swap looks two rows back.
  let prev2 = new Uint32Array(n + 1);
  let prev = Uint32Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Uint32Array(n + 1);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[n];
}

/**
 * The name in `known` closest to `typed` (case-insensitive), also comparing the part after the
 * last "/" (so "colbertv2" finds "colbert-ir/colbertv2.0"); undefined when even the closest needs
 * more edits than a third of the typed length (at least 1, at most 3).
 * @example closestName('lexicl', ['lexical', 'colbert-ir/colbertv2.0']) // 'lexical'
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const t = typed.trim().toLowerCase();
  if (t.length === 0) return undefined;
  const limit = Math.min(3, Math.max(1, Math.floor(t.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of known) {
    const full = name.toLowerCase();
    const tail = full.slice(full.lastIndexOf('/') + 1);
    const d = Math.min(editDistance(t, full), editDistance(t, tail));
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}
