import { CuratorError } from '../../ml/errors.ts';

/**
 * Counts of (true label, predicted label) pairs that can be added and taken away again, as
 * River's `ConfusionMatrix`: the state every metric below reads, so a window that slides by
 * one reverts one pair and every metric follows in O(1).
 *
 * @example
 * const cm = new ConfusionMatrix(['ham', 'spam']);
 * cm.update('spam', 'ham'); cm.update('spam', 'spam');
 * new Recall('spam', cm).get(); // 0.5
 */
export class ConfusionMatrix {
  readonly labels: readonly string[];
  private readonly index = new Map<string, number>();
  /** k×k counts, row = true label, column = predicted label. */
  readonly counts: Float64Array;
  /** Per label: how often it was the true label (support). */
  readonly trueTotals: Float64Array;
  /** Per label: how often it was predicted. */
  readonly predTotals: Float64Array;
  total = 0;
  correct = 0;

  constructor(labels: readonly string[]) {
    this.labels = [...labels].sort();
    this.labels.forEach((l, i) => this.index.set(l, i));
    const k = this.labels.length;
    this.counts = new Float64Array(k * k);
    this.trueTotals = new Float64Array(k);
    this.predTotals = new Float64Array(k);
  }

  /** The index of a label (UNKNOWN_LABEL for a label the matrix was not made with). */
  indexOf(label: string): number {
    const i = this.index.get(label);
    if (i === undefined) throw new CuratorError('UNKNOWN_LABEL', `ConfusionMatrix: ${JSON.stringify(label)} is not one of ${this.labels.join(', ')}`, { field: 'label' });
    return i;
  }

  update(yTrue: string, yPred: string, weight = 1): void {
    this.add(this.indexOf(yTrue), this.indexOf(yPred), weight);
  }

  revert(yTrue: string, yPred: string, weight = 1): void {
    this.add(this.indexOf(yTrue), this.indexOf(yPred), -weight);
  }

  /** Adds `weight` (negative to revert) to the pair of label indices. */
  add(t: number, p: number, weight: number): void {
    this.counts[t * this.labels.length + p]! += weight;
    this.trueTotals[t]! += weight;
    this.predTotals[p]! += weight;
    this.total += weight;
    if (t === p) this.correct += weight;
  }

  truePositives(i: number): number {
    return this.counts[i * this.labels.length + i]!;
  }
}

/**
 * A metric as River has them: `update` and `revert` one (true, predicted) pair, `get` the value
 * now. Metrics made over a shared {@link ConfusionMatrix} are views of it: update the matrix (or
 * one of them) once per pair.
 */
export interface RollingMetric {
  update(yTrue: string, yPred: string): void;
  revert(yTrue: string, yPred: string): void;
  get(): number;
  readonly biggerIsBetter: boolean;
  readonly cm: ConfusionMatrix;
}

abstract class CmMetric implements RollingMetric {
  readonly biggerIsBetter = true;
  constructor(readonly cm: ConfusionMatrix) {}
  update(yTrue: string, yPred: string): void {
    this.cm.update(yTrue, yPred);
  }
  revert(yTrue: string, yPred: string): void {
    this.cm.revert(yTrue, yPred);
  }
  abstract get(): number;
}

/** Share of pairs predicted right (0 with no pair). */
export class Accuracy extends CmMetric {
  get(): number {
    return this.cm.total > 0 ? this.cm.correct / this.cm.total : 0;
  }
}

abstract class LabelMetric extends CmMetric {
  protected readonly i: number;
  constructor(readonly label: string, cm: ConfusionMatrix) {
    super(cm);
    this.i = cm.indexOf(label);
  }
}

/** Of the predictions of `label`, the share that were right (0 with none, as scikit-learn's zero_division=0). */
export class Precision extends LabelMetric {
  get(): number {
    const d = this.cm.predTotals[this.i]!;
    return d > 0 ? this.cm.truePositives(this.i) / d : 0;
  }
}

/** Of the items truly `label`, the share predicted so. */
export class Recall extends LabelMetric {
  get(): number {
    const d = this.cm.trueTotals[this.i]!;
    return d > 0 ? this.cm.truePositives(this.i) / d : 0;
  }
}

/** Harmonic mean of precision and recall of `label`: 2·TP / (support + predicted). */
export class F1 extends LabelMetric {
  get(): number {
    const d = this.cm.trueTotals[this.i]! + this.cm.predTotals[this.i]!;
    return d > 0 ? (2 * this.cm.truePositives(this.i)) / d : 0;
  }
}

/**
 * A label metric by the names tasks use for their primary metric ('accuracy', 'f1_macro',
 * 'recall', 'precision_weighted', …), computed as scikit-learn does on the same pairs: averages
 * over the labels that occur as true or predicted, binary 'f1'/'precision'/'recall' for the
 * positive label `labels[1]` (sorted), zero_division 0.
 */
export function metricFromMatrix(cm: ConfusionMatrix, name: string): number {
  if (name === 'accuracy') return cm.total > 0 ? cm.correct / cm.total : 0;
  const [kind, average] = name.split('_') as [string, string | undefined];
  const k = cm.labels.length;
  const one = (i: number): number => {
    const tp = cm.truePositives(i);
    const s = cm.trueTotals[i]!;
    const p = cm.predTotals[i]!;
    if (kind === 'precision') return p > 0 ? tp / p : 0;
    if (kind === 'recall') return s > 0 ? tp / s : 0;
    if (kind === 'f1') return s + p > 0 ? (2 * tp) / (s + p) : 0;
    throw new CuratorError('INVALID_ARGUMENT', `metricFromMatrix: unknown metric ${JSON.stringify(name)}`, { field: 'metric' });
  };
  if (average === undefined) return one(Math.min(1, k - 1));
  if (average === 'micro') {
    one(0); // checks the name
    return cm.total > 0 ? cm.correct / cm.total : 0;
  }
  let sum = 0;
  let n = 0;
  let weights = 0;
  for (let i = 0; i < k; i++) {
    const s = cm.trueTotals[i]!;
    if (s === 0 && cm.predTotals[i]! === 0) continue;
    if (average === 'macro') {
      sum += one(i);
      n++;
    } else if (average === 'weighted') {
      sum += one(i) * s;
      weights += s;
    } else {
      throw new CuratorError('INVALID_ARGUMENT', `metricFromMatrix: unknown average in ${JSON.stringify(name)}`, { field: 'metric' });
    }
  }
  if (average === 'macro') return n > 0 ? sum / n : 0;
  return weights > 0 ? sum / weights : 0;
}

/** A window's figures: n, accuracy, the usual averages and precision/recall/F1 per label. */
export interface WindowFigures {
  readonly n: number;
  readonly accuracy: number;
  readonly precision_macro: number;
  readonly recall_macro: number;
  readonly f1_macro: number;
  readonly perLabel: Readonly<Record<string, { readonly precision: number; readonly recall: number; readonly f1: number; readonly support: number }>>;
}

/** The figures of a confusion matrix. */
export function figuresOf(cm: ConfusionMatrix): WindowFigures {
  const perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }> = {};
  for (const l of cm.labels) {
    perLabel[l] = { precision: new Precision(l, cm).get(), recall: new Recall(l, cm).get(), f1: new F1(l, cm).get(), support: cm.trueTotals[cm.indexOf(l)]! };
  }
  return {
    n: cm.total, accuracy: metricFromMatrix(cm, 'accuracy'), precision_macro: metricFromMatrix(cm, 'precision_macro'),
    recall_macro: metricFromMatrix(cm, 'recall_macro'), f1_macro: metricFromMatrix(cm, 'f1_macro'), perLabel,
  };
}

/**
 * The last `size` (true, predicted) pairs in a ring buffer over a confusion matrix: adding a
 * pair to a full window reverts the oldest, so each step is O(1) whatever the size.
 *
 * @example
 * const w = new CountWindow(['ham', 'spam'], 100);
 * w.push('spam', 'ham', Date.now());
 * new Recall('spam', w.cm).get();
 */
export class CountWindow {
  readonly cm: ConfusionMatrix;
  private readonly t: Int32Array;
  private readonly p: Int32Array;
  private readonly at: Float64Array;
  private head = 0;
  private length = 0;

  constructor(labels: readonly string[], readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new CuratorError('INVALID_ARGUMENT', `CountWindow: size must be an integer ≥ 1; got ${JSON.stringify(size)}`, { field: 'size' });
    this.cm = new ConfusionMatrix(labels);
    this.t = new Int32Array(size);
    this.p = new Int32Array(size);
    this.at = new Float64Array(size);
  }

  get n(): number {
    return this.length;
  }

  push(yTrue: string, yPred: string, atMs: number): void {
    const t = this.cm.indexOf(yTrue);
    const p = this.cm.indexOf(yPred);
    const slot = (this.head + this.length) % this.size;
    if (this.length === this.size) {
      this.cm.add(this.t[this.head]!, this.p[this.head]!, -1);
      this.head = (this.head + 1) % this.size;
    } else {
      this.length++;
    }
    this.t[slot] = t;
    this.p[slot] = p;
    this.at[slot] = atMs;
    this.cm.add(t, p, 1);
  }

  /** Time of the oldest and newest pair (NaN when empty). */
  span(): { start: number; end: number } {
    if (this.length === 0) return { start: NaN, end: NaN };
    return { start: this.at[this.head]!, end: this.at[(this.head + this.length - 1) % this.size]! };
  }
}

/**
 * The pairs of the last `spanMs` milliseconds: pairs leave (are reverted) once older than the
 * span, each exactly once, so a step costs O(1) amortised. Pairs must come in time order.
 */
export class TimeWindow {
  readonly cm: ConfusionMatrix;
  private t: number[] = [];
  private p: number[] = [];
  private at: number[] = [];
  private head = 0;

  constructor(labels: readonly string[], readonly spanMs: number) {
    if (!Number.isFinite(spanMs) || spanMs <= 0) throw new CuratorError('INVALID_ARGUMENT', `TimeWindow: spanMs must be a positive number; got ${JSON.stringify(spanMs)}`, { field: 'spanMs' });
    this.cm = new ConfusionMatrix(labels);
  }

  get n(): number {
    return this.at.length - this.head;
  }

  push(yTrue: string, yPred: string, atMs: number): void {
    const t = this.cm.indexOf(yTrue);
    const p = this.cm.indexOf(yPred);
    this.t.push(t);
    this.p.push(p);
    this.at.push(atMs);
    this.cm.add(t, p, 1);
    this.expire(atMs);
  }

  /** Reverts the pairs older than `nowMs − spanMs`. */
  expire(nowMs: number): void {
    const from = nowMs - this.spanMs;
    while (this.head < this.at.length && this.at[this.head]! < from) {
      this.cm.add(this.t[this.head]!, this.p[this.head]!, -1);
      this.head++;
    }
    // Compact once the dead prefix dominates, so memory stays proportional to the window.
    if (this.head > 1024 && this.head * 2 > this.at.length) {
      this.t = this.t.slice(this.head);
      this.p = this.p.slice(this.head);
      this.at = this.at.slice(this.head);
      this.head = 0;
    }
  }
}
