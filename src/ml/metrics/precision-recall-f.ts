import { CuratorError } from '../errors.ts';
import {
  checkLabelList, checkOptionKeys, checkTargets, mean, presentToLabels, zeroDivisionValue,
  type Label, type Targets, type ZeroDivision,
} from './labels.ts';

/** How per-label scores are combined; `null` returns one score per label. */
export type Average = 'binary' | 'micro' | 'macro' | 'weighted' | null;

/** Options shared by precision, recall and the F-scores (scikit-learn's keyword arguments). */
export interface PrfOptions {
  /** Default 'binary': the score of `posLabel` only (needs ≤ 2 labels in yTrue ∪ yPred). */
  average?: Average;
  /**
   * The positive label for average 'binary'. Default: the greater of the two labels present (so
   * 'spam' over 'ham', 1 over 0, as scikit-learn's pos_label=1 for 0/1 labels); required when
   * only one label is present. Ignored by the other averages.
   */
  posLabel?: Label;
  /** Labels to score and their order (default: sorted yTrue ∪ yPred); may name absent labels. */
  labels?: readonly Label[];
  /** Value of a 0/0 ratio: 'warn' (default, acts as 0 and prints nothing), 0 or 1. */
  zeroDivision?: ZeroDivision;
}

/** Per-label scores (average null) or one averaged value each; support is per label or null. */
export interface PrfResult<T extends number | Float64Array = number | Float64Array> {
  precision: T;
  recall: T;
  fScore: T;
  /** Number of true samples per label (average null); null when averaged, as scikit-learn. */
  support: Int32Array | null;
  /** The labels the per-label arrays refer to, in order. */
  labels: Label[];
}

const AVERAGES: readonly Average[] = ['binary', 'micro', 'macro', 'weighted', null];
const KNOWN = ['average', 'posLabel', 'labels', 'zeroDivision'];

/** scikit-learn's `_check_set_wise_labels`: which labels to count for this average. */
function setWiseLabels(owner: string, t: Targets, average: Average, posLabel: Label | undefined, labels: Label[] | undefined): Label[] | undefined {
  if (!AVERAGES.includes(average)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: average must be one of "binary", "micro", "macro", "weighted", null. Got ${JSON.stringify(average)} instead.`, { field: 'average' });
  }
  if (average !== 'binary') return labels;
  if (t.type !== 'binary') {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: yTrue and yPred hold ${t.present.length} labels (multiclass) but average is "binary"; choose "micro", "macro", "weighted" or null.`, { field: 'average' });
  }
  if (posLabel === undefined) {
    if (t.present.length < 2) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: yTrue and yPred hold the single label ${JSON.stringify(t.present[0])}; name the positive label with posLabel.`, { field: 'posLabel' });
    }
    return [t.present[1]!];
  }
  if (!t.present.includes(posLabel) && t.present.length >= 2) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: posLabel ${JSON.stringify(posLabel)} is not a valid label; it should be one of ${JSON.stringify(t.present)}.`, { field: 'posLabel' });
  }
  return [posLabel];
}

/** Per-label counts of true positives, predictions and true samples. */
export interface LabelCounts {
  labels: Label[];
  tp: Float64Array;
  pred: Float64Array;
  truth: Float64Array;
}

/**
 * Per-label counts, as scikit-learn's `multilabel_confusion_matrix` for 1-D targets: for the
 * listed labels in their order (absent ones count 0), else for every present label.
 */
export function labelCounts(t: Targets, labels: Label[] | undefined): LabelCounts {
  const used = labels ?? t.present;
  const map = labels ? presentToLabels(t.present, labels) : undefined;
  const n = used.length;
  const tp = new Float64Array(n);
  const pred = new Float64Array(n);
  const truth = new Float64Array(n);
  const { trueCodes, predCodes } = t;
  for (let i = 0; i < trueCodes.length; i++) {
    const a = map ? map[trueCodes[i]!]! : trueCodes[i]!;
    const b = map ? map[predCodes[i]!]! : predCodes[i]!;
    if (a >= 0) truth[a]!++;
    if (b >= 0) pred[b]!++;
    if (a >= 0 && a === b) tp[a]!++;
  }
  return { labels: used, tp, pred, truth };
}

function divide(num: Float64Array, den: Float64Array, zero: number): Float64Array {
  const out = new Float64Array(num.length);
  for (let i = 0; i < num.length; i++) out[i] = den[i] === 0 ? zero : num[i]! / den[i]!;
  return out;
}

function weightedAverage(xs: Float64Array, w: Float64Array): number {
  let s = 0;
  let ws = 0;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]! * w[i]!;
    ws += w[i]!;
  }
  return s / ws;
}

function sum(xs: Float64Array): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}

/**
 * Precision, recall, F-beta and support, as scikit-learn's `precision_recall_fscore_support`
 * (same label handling, zero-division rules and averages).
 *
 * @example
 *   precisionRecallFscoreSupport(['a', 'b', 'c'], ['a', 'c', 'c'], { average: 'macro' }).fScore; // 0.555…
 */
export function precisionRecallFscoreSupport(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { beta?: number } = {}, owner = 'precisionRecallFscoreSupport'): PrfResult {
  checkOptionKeys(owner, options, [...KNOWN, 'beta']);
  const zero = zeroDivisionValue(owner, options.zeroDivision);
  const beta = options.beta ?? 1;
  if (typeof beta !== 'number' || !(beta >= 0)) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: beta must be a number ≥ 0. Got ${JSON.stringify(beta)} instead.`, { field: 'beta' });
  }
  const average = options.average === undefined ? 'binary' : options.average;
  const t = checkTargets(owner, yTrue, yPred);
  const given = checkLabelList(owner, options.labels, t.present);
  const labels = setWiseLabels(owner, t, average, options.posLabel, given);
  return prfFromCounts(labelCounts(t, labels), average, zero, beta);
}

/** Precision, recall and F-beta from per-label counts, averaged as scikit-learn does. */
export function prfFromCounts(c: LabelCounts, average: Average, zero: 0 | 1, beta: number): PrfResult {
  let { tp, pred, truth } = c;
  if (average === 'micro') {
    tp = Float64Array.of(sum(tp));
    pred = Float64Array.of(sum(pred));
    truth = Float64Array.of(sum(truth));
  }
  const precision = divide(tp, pred, zero);
  const recall = divide(tp, truth, zero);
  const beta2 = beta * beta;
  const f = new Float64Array(precision.length);
  for (let i = 0; i < f.length; i++) {
    if (beta === Infinity) {
      f[i] = recall[i]!;
      continue;
    }
    const denom = beta2 * precision[i]! + recall[i]!;
    f[i] = ((1 + beta2) * precision[i]! * recall[i]!) / (denom === 0 ? 1 : denom);
  }
  if (average === null) {
    return { precision, recall, fScore: f, support: Int32Array.from(truth), labels: c.labels };
  }
  if (average === 'weighted') {
    if (sum(truth) === 0) {
      // No true sample of any scored label: scikit-learn returns zeroDivision where the ratio is 0/0.
      const allNegative = sum(pred) === 0;
      return { precision: allNegative ? zero : 0, recall: zero, fScore: allNegative ? zero : 0, support: null, labels: c.labels };
    }
    return { precision: weightedAverage(precision, truth), recall: weightedAverage(recall, truth), fScore: weightedAverage(f, truth), support: null, labels: c.labels };
  }
  return { precision: mean(precision), recall: mean(recall), fScore: mean(f), support: null, labels: c.labels };
}

function single(owner: string, pick: 'precision' | 'recall' | 'fScore', yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { beta?: number }): number | Float64Array {
  return precisionRecallFscoreSupport(yTrue, yPred, options, owner)[pick];
}

function noBeta(owner: string, options: object): void {
  checkOptionKeys(owner, options, KNOWN);
}

/**
 * Precision tp / (tp + fp), as scikit-learn's `precision_score`: a number, or one per label when
 * average is null.
 *
 * @example
 *   precisionScore(['ham', 'spam', 'spam'], ['spam', 'spam', 'ham'], { posLabel: 'spam' }); // 0.5
 */
export function precisionScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { average: null }): Float64Array;
export function precisionScore(yTrue: readonly Label[], yPred: readonly Label[], options?: PrfOptions): number;
export function precisionScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions = {}): number | Float64Array {
  noBeta('precisionScore', options);
  return single('precisionScore', 'precision', yTrue, yPred, options);
}

/** Recall tp / (tp + fn), as scikit-learn's `recall_score` (options as {@link precisionScore}). */
export function recallScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { average: null }): Float64Array;
export function recallScore(yTrue: readonly Label[], yPred: readonly Label[], options?: PrfOptions): number;
export function recallScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions = {}): number | Float64Array {
  noBeta('recallScore', options);
  return single('recallScore', 'recall', yTrue, yPred, options);
}

/** F1, the harmonic mean of precision and recall, as scikit-learn's `f1_score`. */
export function f1Score(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { average: null }): Float64Array;
export function f1Score(yTrue: readonly Label[], yPred: readonly Label[], options?: PrfOptions): number;
export function f1Score(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions = {}): number | Float64Array {
  noBeta('f1Score', options);
  return single('f1Score', 'fScore', yTrue, yPred, options);
}

/** F-beta (recall weighted beta times as much as precision), as scikit-learn's `fbeta_score`. */
export function fbetaScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { beta: number; average: null }): Float64Array;
export function fbetaScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { beta: number }): number;
export function fbetaScore(yTrue: readonly Label[], yPred: readonly Label[], options: PrfOptions & { beta: number }): number | Float64Array {
  if (options === undefined || options.beta === undefined) {
    throw new CuratorError('INVALID_ARGUMENT', 'fbetaScore: the beta option is required.', { field: 'beta' });
  }
  return single('fbetaScore', 'fScore', yTrue, yPred, options);
}
