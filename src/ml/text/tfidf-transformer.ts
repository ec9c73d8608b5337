import { BaseEstimator } from '../base/base-estimator.ts';
import { is, type ParamTable } from '../base/params.ts';
import type { ModelState, Transformer } from '../base/types.ts';
import type { CodedValues } from '../base/coded-values.ts';
import { CuratorError } from '../errors.ts';
import { CsrMatrix } from '../sparse/csr-matrix.ts';
import { corrupt, fromStateParams } from './count-vectorizer.ts';

/** TfidfTransformer's params: scikit-learn's, camelCased, with its defaults. */
export type TfidfParams = {
  norm: 'l2' | 'l1' | null;
  useIdf: boolean;
  smoothIdf: boolean;
  sublinearTf: boolean;
};

/** The tf-idf weighting params, shared with TfidfVectorizer. */
export const TFIDF_PARAMS: ParamTable<TfidfParams> = {
  norm: { default: 'l2', allowed: [is.oneOf('l2', 'l1', null)] },
  useIdf: { default: true, allowed: [is.bool()] },
  smoothIdf: { default: true, allowed: [is.bool()] },
  sublinearTf: { default: false, allowed: [is.bool()] },
};

/**
 * scikit-learn's idf: ln(n / df) + 1, where smoothing adds one document containing every term
 * (n + 1 and df + 1), so no idf is infinite.
 */
export function computeIdf(df: ArrayLike<number>, nDocs: number, smoothIdf: boolean): Float64Array {
  const s = smoothIdf ? 1 : 0;
  const n = nDocs + s;
  const idf = new Float64Array(df.length);
  for (let j = 0; j < df.length; j++) idf[j] = Math.log(n / (df[j]! + s)) + 1;
  return idf;
}

/**
 * Weights counts in place, in scikit-learn's order: tf → 1 + ln(tf) when sublinear, times idf,
 * then each row scaled to unit l2 (or l1) norm; all-zero rows stay zero.
 */
export function applyTfidf(X: CsrMatrix, idf: Float64Array | CodedValues | null, sublinearTf: boolean, norm: TfidfParams['norm']): CsrMatrix {
  const { indptr, indices, data } = X;
  if (sublinearTf) for (let k = 0; k < data.length; k++) data[k] = Math.log(data[k]!) + 1;
  if (idf instanceof Float64Array) for (let k = 0; k < data.length; k++) data[k] = data[k]! * idf[indices[k]!]!;
  else if (idf) applyCodedIdf(data, indices, idf.table, idf.codes);
  if (norm !== null) normalizeRows(indptr, data, norm);
  return X;
}

function applyCodedIdf(data: Float64Array, indices: Int32Array, table: Float64Array, codes: Uint8Array | Uint16Array): void {
  for (let k = 0; k < data.length; k++) data[k] = data[k]! * table[codes[indices[k]!]!]!;
}

/** Scales each CSR row to unit norm in place (scikit-learn's inplace_csr_row_normalize_l1/l2). */
export function normalizeRows(indptr: Int32Array, data: Float64Array, norm: 'l1' | 'l2'): void {
  for (let i = 0; i + 1 < indptr.length; i++) {
    const a = indptr[i]!;
    const b = indptr[i + 1]!;
    let sum = 0;
    if (norm === 'l2') {
      for (let k = a; k < b; k++) sum += data[k]! * data[k]!;
      if (sum === 0) continue;
      sum = Math.sqrt(sum);
    } else {
      for (let k = a; k < b; k++) sum += Math.abs(data[k]!);
      if (sum === 0) continue;
    }
    for (let k = a; k < b; k++) data[k] = data[k]! / sum;
  }
}

/**
 * Turns a count matrix into tf-idf (scikit-learn's TfidfTransformer). `fit` learns the idf of
 * each column from the documents that contain it; `transform` weights and normalizes.
 *
 * @example
 *   const counts = new CountVectorizer().fitTransform(texts);
 *   const X = new TfidfTransformer({ sublinearTf: true }).fitTransform(counts);
 */
export class TfidfTransformer extends BaseEstimator<TfidfParams> implements Transformer<CsrMatrix> {
  private idf_: Float64Array | undefined;
  private nFeatures_: number | undefined;

  constructor(params: Partial<TfidfParams> = {}) {
    super('TfidfTransformer', TFIDF_PARAMS, params);
  }

  get isFitted(): boolean {
    return this.nFeatures_ !== undefined;
  }

  /** The learned idf per column (scikit-learn's `idf_`); only with useIdf. */
  get idf(): Float64Array {
    this.assertFitted('idf');
    if (!this.idf_) throw new CuratorError('INVALID_ARGUMENT', 'TfidfTransformer: idf is only learned with useIdf: true.', { field: 'useIdf' });
    return this.idf_;
  }

  /** Learns the idf from counts (documents × terms). */
  fit(X: CsrMatrix, _y?: readonly string[]): this {
    const m = checkMatrix(X, 'fit');
    if (this.params.useIdf) {
      // scikit-learn counts stored entries per column (np.bincount of the indices)
      const df = new Int32Array(m.nCols);
      for (let k = 0; k < m.indices.length; k++) df[m.indices[k]!]!++;
      this.idf_ = computeIdf(df, m.nRows, this.params.smoothIdf);
    } else {
      this.idf_ = undefined;
    }
    this.nFeatures_ = m.nCols;
    return this;
  }

  /** The tf-idf matrix of `X` (a new matrix; X is not changed). */
  transform(X: CsrMatrix): CsrMatrix {
    this.assertFitted('transform');
    const m = checkMatrix(X, 'transform');
    if (m.nCols !== this.nFeatures_) {
      throw new CuratorError('SHAPE_MISMATCH', `TfidfTransformer.transform: X has ${m.nCols} features, but TfidfTransformer is expecting ${this.nFeatures_} features as input.`, { field: 'X' });
    }
    const copy = new CsrMatrix(m.nRows, m.nCols, m.indptr.slice(), m.indices.slice(), m.data.slice());
    return applyTfidf(copy, this.idf_ ?? null, this.params.sublinearTf, this.params.norm);
  }

  /** fit then transform. */
  fitTransform(X: CsrMatrix, _y?: readonly string[]): CsrMatrix {
    return this.fit(X).transform(X);
  }

  /** The fitted state: params, nFeatures, and the idf section (with useIdf). */
  toState(): ModelState {
    this.assertFitted('toState');
    const s = this.baseState();
    s.meta['nFeatures'] = this.nFeatures_!;
    if (this.idf_) s.arrays['idf'] = this.idf_;
    return s;
  }

  /** Rebuilds a fitted TfidfTransformer from `toState()` output. */
  static fromState(state: ModelState): TfidfTransformer {
    const t = fromStateParams('TfidfTransformer', state, (p: Partial<TfidfParams>) => new TfidfTransformer(p));
    const n = state.meta['nFeatures'];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw corrupt('TfidfTransformer', 'nFeatures is missing');
    const idf = state.arrays['idf'];
    if (t.params.useIdf) {
      if (!(idf instanceof Float64Array) || idf.length !== n) throw corrupt('TfidfTransformer', 'its idf section is missing or has the wrong length');
      t.idf_ = idf;
    }
    t.nFeatures_ = n;
    return t;
  }
}

function checkMatrix(X: unknown, method: string): CsrMatrix {
  if (!(X instanceof CsrMatrix)) {
    throw new CuratorError('INVALID_ARGUMENT', `TfidfTransformer.${method}: X must be a CsrMatrix of counts.`, { field: 'X' });
  }
  X.assertFinite(`TfidfTransformer.${method}`);
  return X;
}
