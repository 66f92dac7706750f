// The compare view: one query, a few documents, scored by dense, ColBERT and
// cross-encoder models side by side. Columns without a model say why.
import { el, fmt, postJson } from './dom.js';

const TITLES = { dense: 'Dense (bi-encoder, cosine)', colbert: 'ColBERT (MaxSim)', 'cross-encoder': 'Cross-encoder (logit)' };

export async function runCompare(query, documents, target) {
  const data = await postJson('/api/compare', { query, documents });
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col', text: 'Document' }),
    data.columns.map((c) =>
      el(
        'th',
        { scope: 'col', class: c.available ? '' : 'unavailable' },
        TITLES[c.family] ?? c.family,
        el('div', { class: 'model-name', text: c.model ?? 'not configured' }),
      ),
    ),
  );
  const rows = data.documents.map((doc, i) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', class: 'compare-doc', text: doc }),
      data.columns.map((c) => {
        if (!c.available) return el('td', { class: 'unavailable', text: c.reason ?? 'unavailable' });
        const normalized = c.normalized ? ` · ${fmt(c.normalized[i])} per token` : '';
        return el(
          'td',
          { class: c.ranks[i] === 1 ? 'top' : '' },
          el('span', { class: 'score', text: fmt(c.scores[i]) }),
          el('span', { class: 'rank', text: ` #${c.ranks[i]}${normalized}` }),
        );
      }),
    ),
  );
  target.replaceChildren(
    el(
      'table',
      { class: 'compare', id: 'compare-table' },
      el('caption', { text: `"${data.query}" scored by each model family (#1 = that model's best document)` }),
      el('thead', {}, head),
      el('tbody', {}, rows),
    ),
  );
}
