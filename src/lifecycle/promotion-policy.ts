import { getScorer, Predictions } from '../ml/metrics/scorer.ts';

/** The outcome of comparing a challenger with the champion of its task and scope. */
export interface PromotionDecision {
  readonly promote: boolean;
  /** Why, in words: stored with the promotion (or the build's job when the champion stays). */
  readonly reason: string;
  readonly metric: string;
  /** Folds that held at least one document the champion was not trained on. */
  readonly folds: number;
  /** Those documents, over all folds. */
  readonly documents: number;
  /** Mean of (challenger − champion) over those folds; null without any. */
  readonly meanDelta: number | null;
  readonly wins: number;
  readonly ties: number;
  readonly losses: number;
}

/** One fold's side-by-side scores on the same documents. */
export interface PairedFold {
  readonly challenger: number;
  readonly champion: number;
  readonly documents: number;
}

/**
 * A label-based metric (accuracy, precision/recall/F1 and their averages) on given predictions,
 * the way the named scorer computes it ('f1' etc.: positive label = classes[1]).
 */
export function metricOf(metric: string, classes: readonly string[], yTrue: readonly string[], yPred: readonly string[]): number {
  const fixed = { predict: () => yPred, classes };
  return getScorer(metric).scorePredictions(new Predictions<null>(fixed, null), yTrue);
}

/**
 * The promotion rule: the challenger replaces the champion only when, over the cross-validation
 * folds they share, its mean paired advantage on the primary metric exceeds `margin`.
 * Both are scored on the same documents of each test fold: the challenger by its fold model,
 * the champion as it is. Only documents the champion was not trained on count, so neither side
 * is scored on its own training data; with none (the same labelled data), the champion stays.
 *
 * @example decidePromotion('f1_macro', 0.01, 7, [{ challenger: 0.98, champion: 0.91, documents: 40 }]).promote; // true
 */
export function decidePromotion(metric: string, margin: number, championId: number, folds: readonly PairedFold[]): PromotionDecision {
  const used = folds.filter((f) => f.documents > 0 && Number.isFinite(f.challenger) && Number.isFinite(f.champion));
  const documents = used.reduce((s, f) => s + f.documents, 0);
  let wins = 0;
  let ties = 0;
  let losses = 0;
  let sum = 0;
  for (const f of used) {
    const d = f.challenger - f.champion;
    sum += d;
    if (d > 1e-12) wins++;
    else if (d < -1e-12) losses++;
    else ties++;
  }
  const base = { metric, folds: used.length, documents, wins, ties, losses };
  if (used.length === 0) {
    return { ...base, promote: false, meanDelta: null, reason: `champion #${championId} stays: no document in the new snapshot is one it was not trained on, so there is nothing to compare on` };
  }
  const meanDelta = sum / used.length;
  const promote = meanDelta > margin;
  const sign = meanDelta >= 0 ? '+' : '';
  const tally = `${used.length} shared folds, ${documents} documents unseen by the champion; wins ${wins}, ties ${ties}, losses ${losses}`;
  const reason = promote
    ? `challenger beats champion #${championId}: mean paired Δ${metric} = ${sign}${meanDelta.toFixed(4)} > margin ${margin} (${tally})`
    : `champion #${championId} stays: challenger's mean paired Δ${metric} = ${sign}${meanDelta.toFixed(4)} ≤ margin ${margin} (${tally})`;
  return { ...base, promote, meanDelta, reason };
}
