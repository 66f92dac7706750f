// The heatmap of one search hit: query tokens (rows) x document tokens
// (columns), colour = similarity, the best document token of every query row
// marked. It is a real <table> with row and column headers, so screen readers
// can walk it, and every cell carries its value in text.
import { el, fmt } from './dom.js';

/** Background colour for a similarity in [lo, hi]: light to deep blue. */
function colour(value, lo, hi) {
  const t = hi > lo ? (value - lo) / (hi - lo) : 0;
  const lightness = 97 - 62 * Math.max(0, Math.min(1, t));
  return `hsl(215, 85%, ${lightness}%)`;
}

/**
 * Builds the heatmap table for an explanation
 * {queryTokens, docTokens, similarity (row-major), best, share, raw}.
 */
export function heatmapTable(explanation, caption) {
  const { queryTokens, docTokens, similarity, best, share } = explanation;
  const cols = docTokens.length;
  let lo = Infinity,
    hi = -Infinity;
  for (const v of similarity) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  lo = Math.min(lo, 0);

  const head = el(
    'tr',
    {},
    el('th', { scope: 'col', class: 'corner', text: 'query \\ document' }),
    docTokens.map((t, j) => el('th', { scope: 'col', class: 'doc-token', title: `document token ${j}: ${t}` }, el('span', { text: t }))),
    el('th', { scope: 'col', text: 'best match' }),
    el('th', { scope: 'col', text: 'share' }),
  );

  const rows = queryTokens.map((q, i) => {
    const cells = [];
    for (let j = 0; j < cols; j++) {
      const v = similarity[i * cols + j];
      const isBest = best[i] === j;
      const cell = el(
        'td',
        {
          class: isBest ? 'cell best' : 'cell',
          title: `${q} → ${docTokens[j]}: ${fmt(v)}${isBest ? ' (best)' : ''}`,
          'aria-label': `${q} with ${docTokens[j]}: ${fmt(v)}${isBest ? ', best match' : ''}`,
          'data-value': v.toFixed(4),
        },
        isBest ? '★' : '',
      );
      cell.style.backgroundColor = colour(v, lo, hi);
      if (isBest && v > lo + 0.6 * (hi - lo)) cell.classList.add('dark');
      cells.push(cell);
    }
    const b = best[i];
    return el(
      'tr',
      {},
      el('th', { scope: 'row', class: 'query-token', text: q }),
      cells,
      el('td', { class: 'best-text', text: b >= 0 ? `${docTokens[b]} (${fmt(similarity[i * cols + b])})` : '–' }),
      el('td', { class: 'share', text: `${(100 * (share[i] ?? 0)).toFixed(1)}%` }),
    );
  });

  return el(
    'div',
    { class: 'heatmap-wrap' },
    el('table', { class: 'heatmap' }, el('caption', { text: caption }), el('thead', {}, head), el('tbody', {}, rows)),
    el(
      'p',
      { class: 'legend' },
      'Colour = cosine similarity of the token vectors (',
      el('span', { class: 'swatch low', text: fmt(lo) }),
      ' to ',
      el('span', { class: 'swatch high', text: fmt(hi) }),
      '); ★ = the document token each query token matched (MaxSim takes that maximum).',
      explanation.raw === undefined ? null : ` Those matches add up to the ColBERT score ${fmt(explanation.raw)}.`,
    ),
  );
}

/** Document tokens that some query token matched strongly (similarity >= 0.5 of the row's range). */
export function matchedTokens(explanation) {
  const { queryTokens, docTokens, similarity, best } = explanation;
  const out = new Set();
  queryTokens.forEach((_, i) => {
    const j = best[i];
    if (j >= 0 && similarity[i * docTokens.length + j] >= 0.5) out.add(docTokens[j].replace(/^##/, '').toLowerCase());
  });
  out.delete('');
  return out;
}

/**
 * The document text with matched tokens highlighted (<mark>). Tokens are
 * word pieces or stems, so a word is marked when it equals a matched token or
 * starts with one of three letters or more.
 */
export function highlightedText(text, matched) {
  const parts = [];
  const wordRe = /[\p{L}\p{N}]+/gu;
  let last = 0;
  for (const m of text.matchAll(wordRe)) {
    const word = m[0].toLowerCase();
    let hit = false;
    for (const t of matched)
      if (word === t || (t.length >= 3 && word.startsWith(t))) {
        hit = true;
        break;
      }
    if (!hit) continue;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(el('mark', { text: m[0] }));
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}
