/**
 * Ranking metrics with trec_eval's definitions (the numbers BEIR, pytrec_eval
 * and Anserini report):
 *
 * - the run is first re-sorted the way trec_eval sorts it: score descending,
 *   ties by document id descending (`comp_sim_docno` in trec_eval's
 *   form_res_rels.c compares `strcmp(docno2, docno1)`); scores compare as
 *   float32, as trec_eval stores them; the rank order given is ignored;
 * - a document is relevant when its judged grade is > 0 (grades <= 0 and
 *   unjudged documents are non-relevant);
 * - nDCG@k (`ndcg_cut.k`): gain = grade, discount log2(rank + 1), ideal ranking
 *   built from every judged document with grade > 0, cut at k;
 * - Recall@k (`recall.k`): relevant retrieved in the top k / all relevant;
 * - MRR@k: 1 / rank of the first relevant document within the top k, else 0;
 * - MAP@k (`map_cut.k`): sum of precision at each relevant rank <= k, divided
 *   by the number of relevant documents (not by min(k, relevant));
 * - a query judged only with grades <= 0 scores 0 on every metric, as in
 *   trec_eval; queries absent from the qrels are not evaluated at all
 *   (see {@link evaluateRun} in run.ts).
 */

/** Relevance judgements of one query: document id -> grade. */
export type Judgements = ReadonlyMap<string, number>;

/** One retrieved document. */
export interface ScoredDocument {
  id: string;
  score: number;
}

/** The metrics tartan reports, keyed like `ndcg@10`. */
export type MetricName = 'ndcg' | 'recall' | 'mrr' | 'map';

/** Orders a ranked list as trec_eval does (score desc as float32, then id desc). Returns a new array. */
export function trecOrder(run: readonly ScoredDocument[]): ScoredDocument[] {
  return run
    .map((d) => ({ id: d.id, score: Math.fround(d.score) }))
    .sort((a, b) => (b.score !== a.score ? b.score - a.score : a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Grades of the top k of a trec-ordered run (0 for unjudged). Duplicated ids count once, at their first rank. */
function gradesAtRanks(ordered: readonly ScoredDocument[], judgements: Judgements, k: number): number[] {
  const seen = new Set<string>();
  const grades: number[] = [];
  for (const d of ordered) {
    if (grades.length >= k) break;
    if (seen.has(d.id)) continue;
    seen.add(d.id);
    grades.push(judgements.get(d.id) ?? 0);
  }
  return grades;
}

function relevantCount(judgements: Judgements): number {
  let n = 0;
  for (const g of judgements.values()) if (g > 0) n++;
  return n;
}

/** nDCG@k of an already trec-ordered run. */
export function ndcgAt(ordered: readonly ScoredDocument[], judgements: Judgements, k: number): number {
  const grades = gradesAtRanks(ordered, judgements, k);
  let dcg = 0;
  for (let i = 0; i < grades.length; i++) if (grades[i] > 0) dcg += grades[i] / Math.log2(i + 2);
  const ideal = [...judgements.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k);
  let idcg = 0;
  for (let i = 0; i < ideal.length; i++) idcg += ideal[i] / Math.log2(i + 2);
  return idcg > 0 ? dcg / idcg : 0;
}

/** Recall@k of an already trec-ordered run. */
export function recallAt(ordered: readonly ScoredDocument[], judgements: Judgements, k: number): number {
  const relevant = relevantCount(judgements);
  if (relevant === 0) return 0;
  return gradesAtRanks(ordered, judgements, k).filter((g) => g > 0).length / relevant;
}

/** MRR@k (reciprocal rank of the first relevant document within k) of an already trec-ordered run. */
export function mrrAt(ordered: readonly ScoredDocument[], judgements: Judgements, k: number): number {
  const grades = gradesAtRanks(ordered, judgements, k);
  const first = grades.findIndex((g) => g > 0);
  return first < 0 ? 0 : 1 / (first + 1);
}

/** MAP@k (trec_eval map_cut) of an already trec-ordered run. */
export function mapAt(ordered: readonly ScoredDocument[], judgements: Judgements, k: number): number {
  const relevant = relevantCount(judgements);
  if (relevant === 0) return 0;
  const grades = gradesAtRanks(ordered, judgements, k);
  let hits = 0,
    sum = 0;
  for (let i = 0; i < grades.length; i++) {
    if (grades[i] > 0) {
      hits++;
      sum += hits / (i + 1);
    }
  }
  return sum / relevant;
}

/** Computes one metric by name on an already trec-ordered run. */
export function metricAt(name: MetricName, ordered: readonly ScoredDocument[], judgements: Judgements, k: number): number {
  switch (name) {
    case 'ndcg':
      return ndcgAt(ordered, judgements, k);
    case 'recall':
      return recallAt(ordered, judgements, k);
    case 'mrr':
      return mrrAt(ordered, judgements, k);
    case 'map':
      return mapAt(ordered, judgements, k);
  }
}
