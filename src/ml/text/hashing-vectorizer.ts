import { BaseEstimator } from '../base/base-estimator.ts';
import { is, type ParamTable } from '../base/params.ts';
import { isAnalyzed, type AnalyzedDocs, type ModelState, type TextInput, type Transformer } from '../base/types.ts';
import { CuratorError } from '../errors.ts';
import { CsrMatrix } from '../sparse/csr-matrix.ts';
import { Analyzer, checkDocuments } from './analyzer.ts';
import { COUNT_VECTORIZER_PARAMS, fromStateParams } from './count-vectorizer.ts';
import { murmurhash3String } from './murmurhash3.ts';
import { normalizeRows } from './tfidf-transformer.ts';

/** HashingVectorizer's params: scikit-learn's, camelCased, with its defaults (2**20 features). */
export type HashingVectorizerParams = {
  lowercase: boolean;
  tokenPattern: string;
  ngramRange: readonly [number, number];
  stopWords: 'english' | readonly string[] | null;
  nFeatures: number;
  binary: boolean;
  norm: 'l2' | 'l1' | null;
  alternateSign: boolean;
  dtype: 'float64';
};

const TABLE: ParamTable<HashingVectorizerParams> = {
  lowercase: COUNT_VECTORIZER_PARAMS.lowercase,
  tokenPattern: COUNT_VECTORIZER_PARAMS.tokenPattern,
  ngramRange: COUNT_VECTORIZER_PARAMS.ngramRange,
  stopWords: COUNT_VECTORIZER_PARAMS.stopWords,
  nFeatures: { default: 2 ** 20, allowed: [is.int({ min: 1, max: 2 ** 31 - 1 })] },
  binary: { default: false, allowed: [is.bool()] },
  norm: { default: 'l2', allowed: [is.oneOf('l2', 'l1', null)] },
  alternateSign: { default: true, allowed: [is.bool()] },
  dtype: { default: 'float64', allowed: [is.oneOf('float64')] },
};

/** Column of a signed murmurhash3 value, as scikit-learn's `_hashing_fast`: abs(h) % nFeatures (abs(-2**31) = 2**31). */
function column(h: number, nFeatures: number): number {
  return Math.abs(h) % nFeatures;
}

/**
 * Texts to hashed token counts (scikit-learn's HashingVectorizer): a term's column is its
 * murmurhash3_32 (UTF-8, seed 0) modulo nFeatures, with the hash's sign as the value's sign when
 * `alternateSign`. No vocabulary is learned, so `transform` works without `fit`; `fit` only marks
 * the estimator fitted so it fits the common estimator contract (pipelines, model files).
 *
 * @example
 *   const hv = new HashingVectorizer({ nFeatures: 2 ** 18 });
 *   const X = hv.transform(['The cat sat', 'A cat ran']); // 2 × 262144, rows l2-normalized
 */
export class HashingVectorizer extends BaseEstimator<HashingVectorizerParams> implements Transformer {
  private fitted_ = false;
  private analyzer_: Analyzer | undefined;
  private hashes_ = new WeakMap<readonly string[], Int32Array>();

  constructor(params: Partial<HashingVectorizerParams> = {}) {
    super('HashingVectorizer', TABLE, params);
  }

  get isFitted(): boolean {
    return this.fitted_;
  }

  /** The analyzer of the current params. */
  get analyzer(): Analyzer {
    const p = this.params;
    const a = this.analyzer_;
    if (a && a.options.lowercase === p.lowercase && a.options.tokenPattern === p.tokenPattern && a.options.ngramRange === p.ngramRange && a.options.stopWords === p.stopWords) return a;
    this.analyzer_ = new Analyzer({ lowercase: p.lowercase, tokenPattern: p.tokenPattern, ngramRange: p.ngramRange, stopWords: p.stopWords });
    return this.analyzer_;
  }

  /** Tokenizes texts once (see TfidfVectorizer.analyze); transform accepts the result. */
  analyze(docs: readonly string[]): AnalyzedDocs {
    return this.analyzer.analyze(docs, 'HashingVectorizer.analyze');
  }

  /** Checks the input and marks the vectorizer fitted; nothing is learned. */
  fit(input: TextInput, _y?: readonly string[]): this {
    this.check(input, 'fit');
    this.fitted_ = true;
    return this;
  }

  /** Same as transform (and marks the vectorizer fitted). */
  fitTransform(input: TextInput, _y?: readonly string[]): CsrMatrix {
    this.fitted_ = true;
    return this.transform(input);
  }

  /** The hashed counts of each document, summed per column, then normalized per `norm`. */
  transform(input: TextInput): CsrMatrix {
    this.check(input, 'transform');
    const p = this.params;
    let nDocs: number;
    const keys: number[] = [];
    const indptr = [0];
    const push = (h: number): void => {
      keys.push(column(h, p.nFeatures) * 2 + (p.alternateSign && h < 0 ? 1 : 0));
    };
    if (isAnalyzed(input)) {
      const hashes = this.termHashes(input.terms);
      nDocs = input.docs.length;
      for (const doc of input.docs) {
        for (let k = 0; k < doc.length; k++) push(hashes[doc[k]!]!);
        indptr.push(keys.length);
      }
    } else {
      const docs = input as readonly string[];
      nDocs = docs.length;
      for (const doc of docs) {
        for (const f of this.analyzer.features(doc)) push(murmurhash3String(f));
        indptr.push(keys.length);
      }
    }
    const total = keys.length;
    // sort each row's (column, sign) keys, then sum runs of one column: scipy's sum_duplicates
    const key = Float64Array.from(keys);
    const outPtr = new Int32Array(nDocs + 1);
    const indices = new Int32Array(total);
    const data = new Float64Array(total);
    let nnz = 0;
    for (let i = 0; i < nDocs; i++) {
      const row = key.subarray(indptr[i]!, indptr[i + 1]!).sort();
      let k = 0;
      while (k < row.length) {
        const c = Math.floor(row[k]! / 2);
        let v = 0;
        while (k < row.length && Math.floor(row[k]! / 2) === c) v += row[k++]! % 2 === 1 ? -1 : 1;
        indices[nnz] = c;
        data[nnz++] = p.binary ? 1 : v;
      }
      outPtr[i + 1] = nnz;
    }
    const X = new CsrMatrix(nDocs, p.nFeatures, outPtr, indices.slice(0, nnz), data.slice(0, nnz));
    if (p.norm !== null) normalizeRows(X.indptr, X.data, p.norm);
    return X;
  }

  /** Hash of every term of a dictionary, computed once per dictionary. */
  private termHashes(terms: readonly string[]): Int32Array {
    let h = this.hashes_.get(terms);
    if (!h) {
      h = new Int32Array(terms.length);
      for (let i = 0; i < terms.length; i++) h[i] = murmurhash3String(terms[i]!);
      this.hashes_.set(terms, h);
    }
    return h;
  }

  private check(input: TextInput, method: string): void {
    if (input !== null && typeof input === 'object' && !Array.isArray(input) && isAnalyzed(input)) {
      if (input.analyzerKey !== this.analyzer.key) {
        throw new CuratorError('INVALID_ARGUMENT', `HashingVectorizer.${method}: these AnalyzedDocs were made by a different analyzer (${input.analyzerKey}) than this HashingVectorizer's (${this.analyzer.key}).`, { field: 'documents' });
      }
      return;
    }
    checkDocuments(input, `HashingVectorizer.${method}`);
  }

  /** The state: params only (nothing is learned). */
  toState(): ModelState {
    this.assertFitted('toState');
    return this.baseState();
  }

  /** Rebuilds a fitted HashingVectorizer from `toState()` output. */
  static fromState(state: ModelState): HashingVectorizer {
    const v = fromStateParams('HashingVectorizer', state, (p: Partial<HashingVectorizerParams>) => new HashingVectorizer(p));
    v.fitted_ = true;
    return v;
  }
}
