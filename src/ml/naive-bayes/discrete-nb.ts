import { BaseEstimator } from '../base/base-estimator.ts';
import { checkFitInput, checkPredictInput, sortedUnique } from '../base/labels.ts';
import { is, type ParamSpec } from '../base/params.ts';
import type { Json, ModelState } from '../base/types.ts';
import type { DenseMatrix } from '../dense/dense-matrix.ts';
import { CuratorError } from '../errors.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { distinctValues } from '../persist/section-codecs.ts';
import { addCounts, ALPHA_LOWER_BOUND, argmaxRows, assertNonNegative, classLogPrior, jointLogLikelihood, jointLogLikelihoodByCount, normalizeLogRows } from './nb-math.ts';

/** The parameters every discrete naive Bayes shares (scikit-learn's names in camelCase, same defaults). */
export type DiscreteNBParams = {
  /** Additive (Laplace/Lidstone) smoothing; values below 1e-10 are raised to 1e-10, as scikit-learn 1.2 does. */
  alpha: number;
  /** Learn class priors from the class counts; false gives uniform priors. */
  fitPrior: boolean;
  /** Fixed prior per class (in `classes` order); overrides fitPrior when given. */
  classPrior: number[] | null;
};

/** The param table entries of DiscreteNBParams, shared by both naive Bayes tables. */
export const DISCRETE_NB_TABLE: { [K in keyof DiscreteNBParams]: ParamSpec<DiscreteNBParams[K]> } = {
  alpha: { default: 1.0, allowed: [is.float({ min: 0 })] },
  fitPrior: { default: true, allowed: [is.bool()] },
  classPrior: {
    default: null,
    allowed: [
      is.null(),
      is.custom('an array of finite numbers ≥ 0', (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)),
    ],
  },
};

/** Counts arrays shorter than this are saved as they are. */
const MIN_PACKED_COUNTS = 1024;

/**
 * The counts as their distinct values and a code per count, when there are at most 65,536
 * distinct values and that takes at most 60% of the plain array: summed tf-idf values repeat a
 * lot (a term a class never saw counts 0; 61,157 distinct among 352,224 counts on the spam
 * corpus, 2.82 -> 1.19 MB). Saved this way the counts load as views and are unpacked only when
 * needed; prediction needs only the weights.
 */
function packCounts(counts: Float64Array): { table: Float64Array; codes: Uint8Array | Uint16Array } | undefined {
  const n = counts.length;
  if (n < MIN_PACKED_COUNTS) return undefined;
  for (let i = 0; i < n; i++) if (counts[i] !== counts[i]) return undefined; // NaN payloads would not survive a JS number
  // 8 bytes per distinct value + 2 per code within 60% of 8 per count: at most 0.35 n values.
  const packed = distinctValues(counts, 'f64', Math.floor(0.35 * n));
  return packed === undefined ? undefined : { table: packed.table as Float64Array, codes: packed.codes };
}

function unpackCounts(table: Float64Array, codes: Uint8Array | Uint16Array, corrupt: (what: string) => never): Float64Array {
  const out = new Float64Array(codes.length);
  let max = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c > max) max = c;
    out[i] = table[c]!;
  }
  if (codes.length > 0 && max >= table.length) corrupt(`a featureCountCodes code (${max}) points past the ${table.length} values of featureCountTable`);
  return out;
}

/**
 * The weights as one value per class and distinct count, when each weight is a function of its
 * class and its count (MultinomialNB: log(count + alpha) - log(class total)): k × T values
 * indexed by the counts' codes, `byCount[c * T + code]`, so the weights need no codes of their
 * own. On the spam corpus that is 0.98 MB instead of 1.19 MB (2.8 MB raw) and, above all, the
 * load no longer builds a 2.8 MB array: prediction reads the weights through the codes (the
 * same values in the same order, so bit-identical scores). Undefined when some class has two
 * weights for one count (ComplementNB's depend on the other classes' counts too), for NaN
 * weights, or when it would not be smaller than the weights dict-encoded.
 */
function weightsByCount(weights: Float64Array, codes: Uint8Array | Uint16Array, distinct: number, k: number, d: number): Float64Array | undefined {
  if (k * distinct * 8 > k * d * 2 + distinct * 8) return undefined;
  const out = new Float64Array(k * distinct);
  const seen = new Uint8Array(k * distinct);
  const bitsOut = new Uint32Array(out.buffer);
  const bitsIn = new Uint32Array(weights.buffer, weights.byteOffset, weights.length * 2);
  for (let c = 0; c < k; c++) {
    for (let j = c * d, end = (c + 1) * d; j < end; j++) {
      const at = c * distinct + codes[j]!;
      if (seen[at] === 0) {
        const w = weights[j]!;
        if (w !== w) return undefined;
        out[at] = w;
        seen[at] = 1;
      } else if (bitsOut[2 * at] !== bitsIn[2 * j] || bitsOut[2 * at + 1] !== bitsIn[2 * j + 1]) return undefined;
    }
  }
  return out;
}

/** The weights of a loaded model kept as {@link weightsByCount} values and the counts' codes. */
export interface WeightsByCount {
  /** k × distinct values. */
  readonly byCount: Float64Array;
  /** The counts' codes, k × nFeatures. */
  readonly codes: Uint8Array | Uint16Array;
  /** Distinct counts (the stride of `byCount` per class). */
  readonly distinct: number;
}

function expandWeights(w: WeightsByCount, k: number, d: number): Float64Array {
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    const base = c * w.distinct;
    for (let j = c * d, end = (c + 1) * d; j < end; j++) out[j] = w.byCount[base + w.codes[j]!]!;
  }
  return out;
}

/** Learned state: the sufficient statistics and what fit derives from them. */
interface NBState {
  classes: string[];
  nFeatures: number;
  /** nClasses × nFeatures, summed feature values per class (scikit-learn's feature_count_). */
  featureCount: Float64Array;
  /** Documents per class (class_count_). */
  classCount: Float64Array;
  /** nClasses × nFeatures (feature_log_prob_); built on first use when the model was loaded with `weightsByCount`. */
  readonly featureLogProb: Float64Array;
  /** The weights as loaded, read through the codes by prediction (no k × d array built). */
  weightsByCount: WeightsByCount | undefined;
  /** nClasses (class_log_prior_). */
  classLogPrior: Float64Array;
  /** The params the weights were derived with (setParams after fit does not change them). */
  params: Record<string, Json>;
}

/**
 * What MultinomialNB and ComplementNB share (scikit-learn's _BaseDiscreteNB): counting, priors,
 * partialFit, the predict family and the model state. The counts (for partialFit) and the weights are
 * saved, so a load makes views; a state without weights gets them recomputed by the same code, so
 * a loaded model predicts bit-identically either way.
 */
export abstract class DiscreteNB<P extends DiscreteNBParams> extends BaseEstimator<P> {
  private state_: NBState | undefined;

  /** Weights (nClasses × nFeatures) from the counts and the clamped alpha. */
  protected abstract featureLogProbFrom(featureCount: Float64Array, nClasses: number, nFeatures: number, alpha: number): Float64Array;

  /** Whether the class prior is added to X · weightsᵀ (ComplementNB leaves it out). */
  protected abstract usesPrior(): boolean;

  get isFitted(): boolean {
    return this.state_ !== undefined;
  }

  /** The sorted class labels; column order of predictProba. */
  get classes(): readonly string[] {
    return this.fitted('classes').classes;
  }

  /** Log probability weights, nClasses × nFeatures row-major (scikit-learn's feature_log_prob_). */
  get featureLogProb(): Float64Array {
    return this.fitted('featureLogProb').featureLogProb;
  }

  /** Log class priors (class_log_prior_); ComplementNB keeps them but does not use them. */
  get classLogPrior(): Float64Array {
    return this.fitted('classLogPrior').classLogPrior;
  }

  /** Summed feature values per class, nClasses × nFeatures (feature_count_). */
  get featureCount(): Float64Array {
    return this.fitted('featureCount').featureCount;
  }

  /** Training documents per class (class_count_). */
  get classCount(): Float64Array {
    return this.fitted('classCount').classCount;
  }

  fit(X: CsrMatrix, y: readonly string[]): this {
    const { classes, codes } = checkFitInput(`${this.kind}.fit`, X, y);
    assertNonNegative(`${this.kind}.fit`, X);
    const k = classes.length;
    const featureCount = new Float64Array(k * X.nCols);
    const classCount = new Float64Array(k);
    addCounts(X, codes, featureCount, classCount);
    this.state_ = this.derive(classes, X.nCols, featureCount, classCount);
    return this;
  }

  /**
   * Adds a batch to the counts (scikit-learn's partial_fit): `classes` lists every label and is
   * needed on the first call; later calls may omit it. A batch may hold a single class.
   *
   * @example
   *   nb.partialFit(X1, y1, ['ham', 'spam']).partialFit(X2, y2);
   */
  partialFit(X: CsrMatrix, y: readonly string[], classes?: readonly string[]): this {
    const owner = `${this.kind}.partialFit`;
    checkFitInput(owner, X, y, { allowSingleClass: true });
    assertNonNegative(owner, X);
    let s = this.state_;
    if (classes !== undefined) {
      if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) {
        throw new CuratorError('INVALID_ARGUMENT', `${owner}: classes must be an array of string labels.`, { field: 'classes' });
      }
      const sorted = sortedUnique(classes);
      if (s !== undefined && (sorted.length !== s.classes.length || sorted.some((c, i) => c !== s!.classes[i]))) {
        throw new CuratorError('INVALID_ARGUMENT', `${owner}: classes ${JSON.stringify(sorted)} differ from the earlier ${JSON.stringify(s.classes)}.`, { field: 'classes' });
      }
      if (s === undefined) {
        if (sorted.length < 2) throw new CuratorError('SINGLE_CLASS', `${owner}: classes must list at least two labels.`, { field: 'classes' });
        s = { classes: sorted, nFeatures: X.nCols, featureCount: new Float64Array(sorted.length * X.nCols), classCount: new Float64Array(sorted.length), featureLogProb: new Float64Array(0), weightsByCount: undefined, classLogPrior: new Float64Array(0), params: {} };
      }
    }
    if (s === undefined) throw new CuratorError('INVALID_ARGUMENT', `${owner}: classes must be given on the first call.`, { field: 'classes' });
    if (X.nCols !== s.nFeatures) {
      throw new CuratorError('SHAPE_MISMATCH', `${owner}: X has ${X.nCols} features, but earlier batches had ${s.nFeatures}.`, { field: 'X' });
    }
    const index = new Map(s.classes.map((c, i) => [c, i]));
    const codes = new Int32Array(y.length);
    for (let i = 0; i < y.length; i++) {
      const c = index.get(y[i]!);
      if (c === undefined) throw new CuratorError('UNKNOWN_LABEL', `${owner}: y[${i}] is ${JSON.stringify(y[i])}, which is not one of classes ${JSON.stringify(s.classes)}.`, { field: 'y' });
      codes[i] = c;
    }
    // counts are copied so a failed derive (bad classPrior) leaves the model as it was
    const featureCount = s.featureCount.slice();
    const classCount = s.classCount.slice();
    addCounts(X, codes, featureCount, classCount);
    this.state_ = this.derive(s.classes, s.nFeatures, featureCount, classCount);
    return this;
  }

  /** Class scores before normalization (scikit-learn's predict_joint_log_proba). */
  predictJointLogProba(X: CsrMatrix): DenseMatrix {
    return this.jll(X, 'predictJointLogProba');
  }

  predict(X: CsrMatrix): string[] {
    const classes = this.fitted('predict').classes;
    const best = argmaxRows(this.jll(X, 'predict'));
    return Array.from(best, (c) => classes[c]!);
  }

  /** Log class probabilities, one column per class. */
  predictLogProba(X: CsrMatrix): DenseMatrix {
    return normalizeLogRows(this.jll(X, 'predictLogProba'));
  }

  /** Class probabilities, one column per class (exp of predictLogProba). */
  predictProba(X: CsrMatrix): DenseMatrix {
    const out = normalizeLogRows(this.jll(X, 'predictProba'));
    const v = out.data;
    for (let i = 0; i < v.length; i++) v[i] = Math.exp(v[i]!);
    return out;
  }

  toState(): ModelState {
    const s = this.fitted('toState');
    const state = this.baseState();
    // the saved params are the ones the counts were turned into weights with, so a load rebuilds this model
    state.params = s.params;
    state.meta.classes = [...s.classes];
    state.meta.nFeatures = s.nFeatures;
    const packed = packCounts(s.featureCount);
    if (packed === undefined) state.arrays.featureCount = s.featureCount;
    else {
      state.arrays.featureCountTable = packed.table;
      state.arrays.featureCountCodes = packed.codes;
    }
    state.arrays.classCount = s.classCount;
    // the weights too: a load then makes views instead of k × d logarithms (6 ms of a 176,000-term
    // model's load), and the file stays smaller than scikit-learn's pickle; by count where they can be
    const byCount = packed === undefined ? undefined : weightsByCount(s.featureLogProb, packed.codes, packed.table.length, s.classes.length, s.nFeatures);
    if (byCount === undefined) state.arrays.featureLogProb = s.featureLogProb;
    else state.arrays.featureLogProbByCount = byCount;
    return state;
  }

  /** Fills a fresh instance from toState()'s output; the subclasses' fromState call this. */
  protected static restore<M extends DiscreteNB<DiscreteNBParams>>(make: (params: Record<string, unknown>) => M, kind: string, state: ModelState): M {
    if (!state || state.kind !== kind) {
      throw new CuratorError('MODEL_FILE_KIND', `${kind}.fromState: the state is for ${JSON.stringify(state?.kind)}, not ${kind}.`);
    }
    const corrupt = (what: string): never => {
      throw new CuratorError('MODEL_FILE_CORRUPT', `${kind}.fromState: ${what}.`);
    };
    const classes = state.meta?.classes;
    if (!Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === 'string')) corrupt('meta.classes must list at least two string labels');
    const nFeatures = state.meta.nFeatures;
    if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 0) corrupt('meta.nFeatures must be a non-negative integer');
    const k = (classes as string[]).length;
    const size = k * (nFeatures as number);
    const { featureCount: counts, featureCountTable: table, featureCountCodes: codes, classCount } = state.arrays ?? {};
    let featureCount: Float64Array | (() => Float64Array);
    if (counts !== undefined || table === undefined) {
      if (!(counts instanceof Float64Array) || counts.length !== size) corrupt(`the featureCount section must hold ${k} × ${nFeatures} float64 values`);
      featureCount = counts as Float64Array;
    } else {
      if (!(table instanceof Float64Array) || !(codes instanceof Uint16Array || codes instanceof Uint8Array) || codes.length !== size) {
        corrupt(`the featureCountTable and featureCountCodes sections must hold float64 values and ${k} × ${nFeatures} codes`);
      }
      featureCount = () => unpackCounts(table as Float64Array, codes as Uint16Array | Uint8Array, corrupt);
    }
    if (!(classCount instanceof Float64Array) || classCount.length !== k) corrupt(`the classCount section must hold ${k} float64 values`);
    let weights: Float64Array | WeightsByCount | undefined = state.arrays.featureLogProb as Float64Array | undefined;
    if (weights !== undefined && (!(weights instanceof Float64Array) || weights.length !== size)) corrupt(`the featureLogProb section must hold ${k} × ${nFeatures} float64 values`);
    const byCount = state.arrays.featureLogProbByCount;
    if (byCount !== undefined) {
      // Meaningful only with the counts' codes (checked above when present).
      if (weights !== undefined || table === undefined || !(byCount instanceof Float64Array) || byCount.length !== k * (table as Float64Array).length) {
        corrupt(`the featureLogProbByCount section must hold ${k} × (featureCountTable's length) float64 values, with featureCountCodes and without featureLogProb`);
      }
      weights = { byCount: byCount as Float64Array, codes: codes as Uint8Array | Uint16Array, distinct: (table as Float64Array).length };
    }
    const m = make(state.params as Record<string, unknown>);
    m.state_ = m.derive(classes as string[], nFeatures as number, featureCount, classCount as Float64Array, weights);
    return m;
  }

  /**
   * `featureCount` may be a function giving the counts: a loaded model that has its weights
   * needs the counts only for partialFit, saving or the getter, so they are unpacked on first use.
   */
  private derive(
    classes: string[],
    nFeatures: number,
    featureCount: Float64Array | (() => Float64Array),
    classCount: Float64Array,
    featureLogProb?: Float64Array | WeightsByCount,
  ): NBState {
    const p = this.params;
    const alpha = p.alpha < ALPHA_LOWER_BOUND ? ALPHA_LOWER_BOUND : p.alpha;
    let counts = typeof featureCount === 'function' && featureLogProb === undefined ? featureCount() : featureCount;
    const byCount = featureLogProb instanceof Float64Array ? undefined : featureLogProb;
    let weights = featureLogProb instanceof Float64Array ? featureLogProb : byCount === undefined ? this.featureLogProbFrom(counts as Float64Array, classes.length, nFeatures, alpha) : undefined;
    return {
      classes,
      nFeatures,
      get featureCount(): Float64Array {
        if (typeof counts === 'function') counts = counts();
        return counts;
      },
      classCount,
      get featureLogProb(): Float64Array {
        return (weights ??= expandWeights(byCount!, classes.length, nFeatures));
      },
      weightsByCount: byCount,
      classLogPrior: classLogPrior(this.kind, classCount, p.fitPrior, p.classPrior),
      params: this.paramsJson(),
    };
  }

  private jll(X: CsrMatrix, method: string): DenseMatrix {
    const s = this.fitted(method);
    checkPredictInput(`${this.kind}.${method}`, X, s.nFeatures);
    const prior = this.usesPrior() ? s.classLogPrior : null;
    const w = s.weightsByCount;
    if (w !== undefined) return jointLogLikelihoodByCount(X, w.byCount, w.codes, w.distinct, s.classes.length, prior);
    return jointLogLikelihood(X, s.featureLogProb, s.classes.length, prior);
  }

  private fitted(method: string): NBState {
    this.assertFitted(method);
    return this.state_!;
  }
}
