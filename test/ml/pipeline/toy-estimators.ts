/**
 * Two tiny hand-made estimators that follow the estimator contract, so Pipeline, VotingClassifier
 * and the model file can be tested without depending on the real vectorizers and classifiers.
 */
import { BaseEstimator } from '../../../src/ml/base/base-estimator.ts';
import { checkFitInput, checkPredictInput } from '../../../src/ml/base/labels.ts';
import { is, type ParamTable } from '../../../src/ml/base/params.ts';
import type { Classifier, Estimator, ModelState, Transformer } from '../../../src/ml/base/types.ts';
import { DenseMatrix } from '../../../src/ml/dense/dense-matrix.ts';
import { CuratorError } from '../../../src/ml/errors.ts';
import { Pipeline } from '../../../src/ml/pipeline/pipeline.ts';
import { VotingClassifier } from '../../../src/ml/ensemble/voting-classifier.ts';
import { CsrMatrix } from '../../../src/ml/sparse/csr-matrix.ts';

type CharParams = { lowercase: boolean; scale: number };

/** Counts the characters of each text over the alphabet seen in fit, times `scale`. */
export class CharCounter extends BaseEstimator<CharParams> implements Transformer<readonly string[]> {
  private alphabet_: Int32Array | undefined;

  constructor(params: Partial<CharParams> = {}) {
    super('CharCounter', { lowercase: { default: true, allowed: [is.bool()] }, scale: { default: 1, allowed: [is.float({ min: 0, minExclusive: true })] } }, params);
  }

  get isFitted(): boolean {
    return this.alphabet_ !== undefined;
  }

  /** Calls of `analyze`, to check a pipeline delegates to it. */
  analyzeCalls = 0;

  analyze(texts: readonly string[]): readonly string[] {
    this.analyzeCalls++;
    return texts;
  }

  fit(texts: readonly string[]): this {
    const seen = new Set<number>();
    for (const t of this.norm(texts)) for (const ch of t) seen.add(ch.codePointAt(0)!);
    this.alphabet_ = Int32Array.from([...seen].sort((a, b) => a - b));
    return this;
  }

  fitTransform(texts: readonly string[]): CsrMatrix {
    return this.fit(texts).transform(texts);
  }

  transform(texts: readonly string[]): CsrMatrix {
    this.assertFitted('transform');
    const col = new Map(Array.from(this.alphabet_!, (c, i) => [c, i]));
    return CsrMatrix.fromRows(
      this.alphabet_!.length,
      this.norm(texts).map((t) => {
        const counts = new Map<number, number>();
        for (const ch of t) {
          const j = col.get(ch.codePointAt(0)!);
          if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + this.params.scale);
        }
        return [...counts];
      }),
    );
  }

  toState(): ModelState {
    this.assertFitted('toState');
    const s = this.baseState();
    s.arrays['alphabet'] = this.alphabet_!;
    return s;
  }

  static fromState(state: ModelState): CharCounter {
    const c = new CharCounter(state.params as Partial<CharParams>);
    const a = state.arrays['alphabet'];
    if (!(a instanceof Int32Array)) throw new CuratorError('MODEL_FILE_CORRUPT', 'CharCounter: no alphabet section.');
    c.alphabet_ = a;
    return c;
  }

  private norm(texts: readonly string[]): readonly string[] {
    return this.params.lowercase ? texts.map((t) => t.toLowerCase()) : texts;
  }
}

type CentroidParams = { temperature: number; withProba: boolean };

/** Nearest centroid; probabilities are a softmax of minus the squared distances. */
export class NearestCentroid extends BaseEstimator<CentroidParams> implements Classifier {
  private classes_: string[] | undefined;
  private centroids_: Float64Array | undefined;
  private nFeatures_ = 0;

  constructor(params: Partial<CentroidParams> = {}) {
    const table: ParamTable<CentroidParams> = {
      temperature: { default: 1, allowed: [is.float({ min: 0, minExclusive: true })] },
      withProba: { default: true, allowed: [is.bool()] },
    };
    super('NearestCentroid', table, params);
  }

  get isFitted(): boolean {
    return this.classes_ !== undefined;
  }

  get classes(): readonly string[] {
    this.assertFitted('classes');
    return this.classes_!;
  }

  /** Absent (undefined) when `withProba` is false, like a classifier without probabilities. */
  get hasPredictProba(): boolean {
    return this.params.withProba;
  }

  fit(X: CsrMatrix, y: readonly string[]): this {
    const { classes, codes } = checkFitInput('NearestCentroid', X, y);
    const k = classes.length;
    const c = new Float64Array(k * X.nCols);
    const n = new Float64Array(k);
    for (let i = 0; i < X.nRows; i++) {
      n[codes[i]!]!++;
      for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) c[codes[i]! * X.nCols + X.indices[p]!]! += X.data[p]!;
    }
    for (let j = 0; j < k; j++) for (let f = 0; f < X.nCols; f++) c[j * X.nCols + f]! /= n[j]!;
    this.classes_ = classes;
    this.centroids_ = c;
    this.nFeatures_ = X.nCols;
    return this;
  }

  decisionFunction(X: CsrMatrix): DenseMatrix {
    this.assertFitted('decisionFunction');
    checkPredictInput('NearestCentroid', X, this.nFeatures_);
    const k = this.classes_!.length;
    const d = X.nCols;
    const out = new DenseMatrix(X.nRows, k);
    const row = new Float64Array(d);
    for (let i = 0; i < X.nRows; i++) {
      row.fill(0);
      for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) row[X.indices[p]!] = X.data[p]!;
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += (row[f]! - this.centroids_![j * d + f]!) ** 2;
        out.set(i, j, -s / this.params.temperature);
      }
    }
    return out;
  }

  predictProba(X: CsrMatrix): DenseMatrix {
    if (!this.params.withProba) throw new CuratorError('INVALID_ARGUMENT', 'NearestCentroid: withProba is false.');
    const z = this.decisionFunction(X);
    for (let i = 0; i < z.nRows; i++) {
      const r = z.row(i);
      const m = Math.max(...r);
      let s = 0;
      for (let j = 0; j < r.length; j++) s += r[j] = Math.exp(r[j]! - m);
      for (let j = 0; j < r.length; j++) r[j]! /= s;
    }
    return z;
  }

  predict(X: CsrMatrix): string[] {
    const z = this.decisionFunction(X);
    return Array.from({ length: z.nRows }, (_, i) => {
      const r = z.row(i);
      let best = 0;
      for (let j = 1; j < r.length; j++) if (r[j]! > r[best]!) best = j;
      return this.classes_![best]!;
    });
  }

  toState(): ModelState {
    this.assertFitted('toState');
    const s = this.baseState();
    s.arrays['centroids'] = this.centroids_!;
    s.meta = { classes: this.classes_!, nFeatures: this.nFeatures_ };
    return s;
  }

  static fromState(state: ModelState): NearestCentroid {
    const c = new NearestCentroid(state.params as Partial<CentroidParams>);
    const cent = state.arrays['centroids'];
    const classes = state.meta['classes'];
    const nFeatures = state.meta['nFeatures'];
    if (!(cent instanceof Float64Array) || !Array.isArray(classes) || typeof nFeatures !== 'number' || cent.length !== classes.length * nFeatures) {
      throw new CuratorError('MODEL_FILE_CORRUPT', 'NearestCentroid: bad state.');
    }
    c.classes_ = classes as string[];
    c.centroids_ = cent;
    c.nFeatures_ = nFeatures;
    return c;
  }
}

/** A classifier that always predicts a fixed label (for exact hard-voting arithmetic). */
export class FixedVote extends BaseEstimator<{ label: string; classes: string[] }> implements Classifier {
  private fitted_ = false;

  constructor(params: Partial<{ label: string; classes: string[] }> = {}) {
    super('FixedVote', { label: { default: 'a', allowed: [is.custom('a string', (v) => typeof v === 'string')] }, classes: { default: ['a', 'b', 'c'], allowed: [is.custom('a list', Array.isArray)] } }, params);
  }

  get isFitted(): boolean {
    return this.fitted_;
  }

  get classes(): readonly string[] {
    return this.params.classes;
  }

  fit(): this {
    this.fitted_ = true;
    return this;
  }

  predict(X: CsrMatrix): string[] {
    return new Array<string>(X.nRows).fill(this.params.label);
  }

  toState(): ModelState {
    return this.baseState();
  }
}

/** Rebuilds the toy kinds (and composites of them), as model-kinds does for the real ones. */
export function restoreToy(state: ModelState): Estimator {
  switch (state.kind) {
    case 'CharCounter':
      return CharCounter.fromState(state);
    case 'NearestCentroid':
      return NearestCentroid.fromState(state);
    case 'Pipeline':
      return Pipeline.fromState(state, restoreToy);
    case 'VotingClassifier':
      return VotingClassifier.fromState(state, restoreToy);
    default:
      throw new CuratorError('MODEL_FILE_KIND', `unknown kind ${state.kind}`);
  }
}

/** A small two-class text set: greetings vs numbers-heavy spam-ish lines. */
export const TOY_TEXTS = [
  'hello there, how are you?',
  'Hi! nice to meet you',
  'good morning friend',
  'see you later, take care',
  'WIN $1000 NOW!!! call 555-0199',
  'cheap pills 99% off, 24/7',
  'free $$$ click 1234 now',
  'urgent: claim 5000 prize today 777',
];
export const TOY_LABELS = ['ham', 'ham', 'ham', 'ham', 'spam', 'spam', 'spam', 'spam'];
export const TOY_NEW = ['hello friend, nice day', 'call 555 now for $99 prize', 'zzz 0'];
