// The page's entry module: index list, search with explanations, the
// per-result heatmap and the compare view.
import { el, fmt, postJson } from './dom.js';
import { heatmapTable, highlightedText, matchedTokens } from './heatmap.js';
import { runCompare } from './compare.js';

const $ = (id) => document.getElementById(id);

function setStatus(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

function showView(name) {
  for (const v of ['search', 'compare']) {
    $(`view-${v}`).hidden = v !== name;
    $(`tab-${v}`).setAttribute('aria-pressed', String(v === name));
  }
}

/** Offers the cross-encoder pipeline when the server has a cross-encoder. */
async function loadPipelines() {
  const health = await (await fetch('/api/health')).json();
  if (health.models?.crossEncoder) {
    $('pipeline').append(el('option', { value: 'colbert>cross-encoder', text: `colbert > cross-encoder (${health.models.crossEncoder})` }));
  }
}

async function loadIndexes() {
  const res = await fetch('/api/indexes');
  const data = await res.json();
  const select = $('index-select');
  select.replaceChildren(...data.indexes.map((ix) => el('option', { value: ix.name, text: `${ix.name} (${ix.documents} docs, ${ix.model ?? 'model ?'})` })));
  if (data.indexes.length === 0) setStatus('No index is served yet: create one with POST /api/indexes or start with --index.');
}

function resultItem(hit, query) {
  const matched = hit.explanation ? matchedTokens(hit.explanation) : new Set();
  const heatmapBox = el('div', { class: 'heatmap-box', hidden: true });
  const toggle = el(
    'button',
    {
      type: 'button',
      class: 'heatmap-toggle',
      'aria-expanded': 'false',
      onclick: () => {
        const open = heatmapBox.hidden;
        if (open && !heatmapBox.firstChild && hit.explanation) {
          heatmapBox.append(heatmapTable(hit.explanation, `"${query}" against document ${hit.id}`));
        }
        heatmapBox.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Hide heatmap' : 'Show heatmap';
      },
    },
    'Show heatmap',
  );
  if (!hit.explanation) toggle.disabled = true;
  return el(
    'li',
    { class: 'result', 'data-id': hit.id },
    el(
      'div',
      { class: 'result-head' },
      el('span', { class: 'doc-id', text: hit.id }),
      el('span', { class: 'score', title: 'raw MaxSim: sum over query tokens of the best similarity', text: `raw ${fmt(hit.score)}` }),
      el('span', { class: 'score', title: 'raw score divided by the number of query tokens', text: `normalised ${fmt(hit.normalizedScore)}` }),
      hit.stage ? el('span', { class: 'score', title: 'the pipeline stage that gave the score', text: `by ${hit.stage}` }) : null,
      toggle,
    ),
    el('p', { class: 'doc-text' }, highlightedText(hit.text ?? '', matched)),
    heatmapBox,
  );
}

async function search(event) {
  event.preventDefault();
  const index = $('index-select').value;
  const query = $('query').value;
  const k = Number($('k').value) || 10;
  const pipeline = $('pipeline').value || 'colbert';
  if (!index) return setStatus('Pick an index first.', true);
  setStatus('Searching…');
  try {
    const data = await postJson(`/api/indexes/${encodeURIComponent(index)}/search`, { query, k, pipeline, explain: true });
    $('results').replaceChildren(...data.hits.map((h) => resultItem(h, query)));
    // latencyMs: per pipeline stage, sent for pipelines other than plain colbert
    const stages = Object.entries(data.latencyMs ?? {})
      .map(([stage, ms]) => `${stage} ${ms.toFixed(1)} ms`)
      .join(', ');
    $('search-meta').textContent =
      `${data.hits.length} results from ${data.index} (${data.model}, ${data.pipeline}) in ${data.tookMs.toFixed(1)} ms${stages ? ` (${stages})` : ''}`;
    setStatus(data.hits.length ? '' : 'No results.');
  } catch (err) {
    setStatus(err.message, true);
  }
}

async function compare(event) {
  event.preventDefault();
  const docs = $('compare-docs')
    .value.split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  setStatus('Scoring…');
  try {
    await runCompare($('compare-query').value, docs, $('compare-result'));
    setStatus('');
  } catch (err) {
    setStatus(err.message, true);
  }
}

$('tab-search').addEventListener('click', () => showView('search'));
$('tab-compare').addEventListener('click', () => showView('compare'));
$('search-form').addEventListener('submit', search);
$('compare-form').addEventListener('submit', compare);
loadIndexes().catch((err) => setStatus(`Could not list indexes: ${err.message}`, true));
loadPipelines().catch(() => undefined); // the default pipeline works without it
