import { BaseEstimator } from '../base/base-estimator.ts';
import { is, type ParamTable } from '../base/params.ts';
import { isAnalyzed, type AnalyzedDocs, type ModelState, type TextInput, type Transformer } from '../base/types.ts';
import { CuratorError } from '../errors.ts';
import { packStrings, unpackStrings } from '../persist/string-pack.ts';
import { CsrMatrix } from '../sparse/csr-matrix.ts';
import { Analyzer, checkDocuments, TermTable, termCounts, termOrder } from './analyzer.ts';
import { numpyArgsort } from './numpy-argsort.ts';
import { DEFAULT_TOKEN_PATTERN } from './tokenizer.ts';

/**
 * CountVectorizer's params: scikit-learn's, camelCased, with its defaults.
 *
 * `minDf` / `maxDf` are JavaScript numbers, so scikit-learn's int/float distinction becomes a
 * rule: a value below 1 is a fraction of the documents, an integer above 1 is a document count,
 * and exactly 1 keeps scikit-learn's default meaning — `minDf: 1` is "in at least 1 document"
 * (int 1) and `maxDf: 1` is "in at most 100% of documents" (float 1.0). Both mean "no limit".
 */
export type CountVectorizerParams = {
  lowercase: boolean;
  tokenPattern: string;
  ngramRange: readonly [number, number];
  stopWords: 'english' | readonly string[] | null;
  maxDf: number;
  minDf: number;
  maxFeatures: number | null;
  /** A fixed vocabulary: column j is `vocabulary[j]`; min/maxDf and maxFeatures are then unused. */
  vocabulary: readonly string[] | null;
  binary: boolean;
  dtype: 'float64';
};

const isStringArray = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** The shared table of every word-count vectorizer's params (TfidfVectorizer adds its own). */
export const COUNT_VECTORIZER_PARAMS: ParamTable<CountVectorizerParams> = {
  lowercase: { default: true, allowed: [is.bool()] },
  tokenPattern: { default: DEFAULT_TOKEN_PATTERN, allowed: [is.custom('a regular expression string', (v) => typeof v === 'string' && v.length > 0)] },
  ngramRange: {
    default: [1, 1],
    allowed: [is.custom('a pair [minN, maxN] of ints with 1 ≤ minN ≤ maxN', (v) => Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && Number.isInteger(v[1]) && v[0] >= 1 && v[1] >= v[0])],
  },
  stopWords: { default: null, allowed: [is.oneOf('english'), is.null(), is.custom('an array of strings', isStringArray)] },
  maxDf: { default: 1.0, allowed: [is.float({ min: 0, max: 1 }), is.int({ min: 1 })] },
  minDf: { default: 1, allowed: [is.float({ min: 0, max: 1 }), is.int({ min: 1 })] },
  maxFeatures: { default: null, allowed: [is.int({ min: 1 }), is.null()] },
  vocabulary: {
    default: null,
    allowed: [is.null(), is.custom('a non-empty array of distinct strings', (v) => isStringArray(v) && v.length > 0 && new Set(v).size === v.length)],
  },
  binary: { default: false, allowed: [is.bool()] },
  dtype: { default: 'float64', allowed: [is.oneOf('float64')] },
};

/** What fitting learned from the documents: the vocabulary and, per column, its document frequency. */
export interface CountFit {
  vocabulary: string[];
  /** Global term id of the fitted AnalyzedDocs → column, or -1. */
  colOf: Int32Array;
  /** Documents containing each column's term. */
  df: Int32Array;
  nDocs: number;
}

/** A `TermTable` over the vocabulary for looking tokens up straight from text, with id → column. */
interface TokenLookup {
  table: TermTable;
  cols: Int32Array;
}

/**
 * The machinery every vocabulary-based vectorizer shares (scikit-learn's CountVectorizer, which
 * TfidfVectorizer extends there too): analyzing, learning the vocabulary from AnalyzedDocs, and
 * counting into a CSR matrix with ascending column indices.
 */
export abstract class VocabularyVectorizer<P extends CountVectorizerParams> extends BaseEstimator<P> {
  protected vocabulary_: string[] | undefined;
  private remaps_ = new WeakMap<readonly string[], Int32Array>();
  private vocabIndex_: Map<string, number> | undefined;
  private lookup_: TokenLookup | undefined;
  private analyzer_: Analyzer | undefined;
  private scratch_: CountScratch | undefined;

  get isFitted(): boolean {
    return this.vocabulary_ !== undefined;
  }

  /** The analyzer of the current params (rebuilt after setParams changes them). */
  get analyzer(): Analyzer {
    const p = this.params;
    const a = this.analyzer_;
    if (a && a.options.lowercase === p.lowercase && a.options.tokenPattern === p.tokenPattern && a.options.ngramRange === p.ngramRange && a.options.stopWords === p.stopWords) return a;
    this.analyzer_ = new Analyzer({ lowercase: p.lowercase, tokenPattern: p.tokenPattern, ngramRange: p.ngramRange, stopWords: p.stopWords });
    return this.analyzer_;
  }

  /**
   * Tokenizes texts once into global term ids. Every vectorizer with the same analyzer settings
   * accepts the result, and fitting on any subset of it equals fitting on those raw texts.
   */
  analyze(docs: readonly string[]): AnalyzedDocs {
    return this.analyzer.analyze(docs, `${this.kind}.analyze`);
  }

  /** The fitted vocabulary: column j's term (scikit-learn's `get_feature_names_out()`). */
  get vocabulary(): readonly string[] {
    this.assertFitted('vocabulary');
    return this.vocabulary_!;
  }

  /** Number of columns (terms) of the fitted vocabulary. */
  get vocabularySize(): number {
    this.assertFitted('vocabularySize');
    return this.vocabulary_!.length;
  }

  /** scikit-learn's name for the vocabulary. */
  getFeatureNamesOut(): string[] {
    return this.vocabulary.slice();
  }

  /** Checks input and returns it as AnalyzedDocs of this vectorizer's analyzer. */
  protected toAnalyzed(input: TextInput, method: string): AnalyzedDocs {
    if (input !== null && typeof input === 'object' && !Array.isArray(input) && isAnalyzed(input)) {
      const key = this.analyzer.key;
      if (input.analyzerKey !== key) {
        throw new CuratorError('INVALID_ARGUMENT', `${this.kind}.${method}: these AnalyzedDocs were made by a different analyzer (${input.analyzerKey}) than this ${this.kind}'s (${key}); analyze the texts with this vectorizer.`, { field: 'documents' });
      }
      return input;
    }
    checkDocuments(input, `${this.kind}.${method}`);
    return this.analyzer.analyze(input, `${this.kind}.${method}`);
  }

  /** Learns the vocabulary (and document frequencies) from `a`, as scikit-learn's fit_transform. */
  protected learn(a: AnalyzedDocs): CountFit {
    const fixed = this.params.vocabulary;
    const fit = fixed ? this.fixedFit(a, fixed) : learnVocabulary(a, this.params, this.kind);
    this.vocabulary_ = fit.vocabulary;
    this.remaps_ = new WeakMap([[a.terms, fit.colOf]]);
    this.vocabIndex_ = undefined;
    this.lookup_ = undefined;
    this.scratch_ = undefined;
    return fit;
  }

  private fixedFit(a: AnalyzedDocs, vocabulary: readonly string[]): CountFit {
    const index = new Map(vocabulary.map((t, j) => [t, j]));
    const colOf = new Int32Array(a.terms.length);
    for (let i = 0; i < colOf.length; i++) colOf[i] = index.get(a.terms[i]!) ?? -1;
    const df = new Int32Array(vocabulary.length);
    for (const { ids } of termCounts(a.docs, a.terms.length)) {
      for (let k = 0; k < ids.length; k++) {
        const c = colOf[ids[k]!]!;
        if (c >= 0) df[c]!++;
      }
    }
    return { vocabulary: vocabulary.slice(), colOf, df, nDocs: a.docs.length };
  }

  /** Term counts of `input` over the fitted vocabulary (rows in input order, columns ascending). */
  protected counts(input: TextInput, method: string): CsrMatrix {
    this.assertFitted(method);
    if (Array.isArray(input)) {
      checkDocuments(input, `${this.kind}.${method}`);
      return this.countTexts(input);
    }
    const a = this.toAnalyzed(input, method);
    return countMatrix(a.docs, this.remapFor(a.terms), this.vocabulary_!.length, this.params.binary);
  }

  /** Counting scratch sized to the vocabulary, kept between calls. */
  protected scratch(): CountScratch {
    this.scratch_ ??= new CountScratch(this.vocabulary_!.length);
    return this.scratch_;
  }

  /** Global id → column for a dictionary, made once per dictionary by looking every term up. */
  private remapFor(terms: readonly string[]): Int32Array {
    let colOf = this.remaps_.get(terms);
    if (colOf) return colOf;
    const index = this.vocabIndex();
    colOf = new Int32Array(terms.length);
    for (let i = 0; i < terms.length; i++) colOf[i] = index.get(terms[i]!) ?? -1;
    this.remaps_.set(terms, colOf);
    return colOf;
  }

  private vocabIndex(): Map<string, number> {
    this.vocabIndex_ ??= new Map(this.vocabulary_!.map((t, j) => [t, j]));
    return this.vocabIndex_;
  }

  /**
   * Counts raw texts straight against the vocabulary: unigram analyzers look tokens up by offset
   * (no strings, no per-token allocation); n-gram analyzers go through feature strings.
   */
  private countTexts(docs: readonly string[]): CsrMatrix {
    const analyzer = this.analyzer;
    const nCols = this.vocabulary_!.length;
    const b = new RowBuilder(nCols, docs.length, this.scratch(), docs.length * 128);
    const [minN, maxN] = analyzer.options.ngramRange;
    if (minN === 1 && maxN === 1) {
      const lk = this.tokenLookup();
      const tok = { ids: new Int32Array(1024) };
      for (const doc of docs) {
        const n = analyzer.tokenIds(analyzer.prepare(doc), lk.table, false, tok);
        for (let k = 0; k < n; k++) b.add(lk.cols[tok.ids[k]!]!);
        b.endRow(this.params.binary);
      }
    } else {
      const index = this.vocabIndex();
      for (const doc of docs) {
        for (const f of analyzer.features(doc)) {
          const c = index.get(f);
          if (c !== undefined) b.add(c);
        }
        b.endRow(this.params.binary);
      }
    }
    return b.finish();
  }

  private tokenLookup(): TokenLookup {
    if (this.lookup_) return this.lookup_;
    const table = new TermTable();
    const stop = this.analyzer.stopWords;
    const vocab = this.vocabulary_!;
    const cols = new Int32Array(vocab.length);
    for (let j = 0; j < vocab.length; j++) {
      if (stop?.has(vocab[j]!)) continue; // a stop word in a fixed vocabulary never counts
      cols[table.intern(vocab[j]!)] = j;
    }
    this.lookup_ = { table, cols };
    return this.lookup_;
  }

  /** Starts a state with the vocabulary packed into two sections. */
  protected vocabularyState(): ModelState {
    this.assertFitted('toState');
    const s = this.baseState();
    const packed = packStrings(this.vocabulary_!);
    s.arrays['vocabularyBytes'] = packed.bytes;
    s.arrays['vocabularyEnds'] = packed.ends;
    s.meta['nFeatures'] = this.vocabulary_!.length;
    return s;
  }

  /** Restores the vocabulary from a state made by vocabularyState; returns the number of columns. */
  protected restoreVocabulary(state: ModelState): number {
    const bytes = state.arrays['vocabularyBytes'];
    const ends = state.arrays['vocabularyEnds'];
    const n = state.meta['nFeatures'];
    if (!(bytes instanceof Uint8Array) || !(ends instanceof Int32Array) || typeof n !== 'number' || ends.length !== n) {
      throw corrupt(this.kind, 'its vocabulary sections are missing or disagree with nFeatures');
    }
    let prev = 0;
    for (const e of ends) {
      if (e < prev || e > bytes.length) throw corrupt(this.kind, 'its vocabulary offsets are out of order');
      prev = e;
    }
    try {
      this.vocabulary_ = unpackStrings({ bytes, ends });
    } catch (err) {
      throw corrupt(this.kind, 'its vocabulary is not valid UTF-8', err);
    }
    this.remaps_ = new WeakMap();
    this.vocabIndex_ = undefined;
    this.lookup_ = undefined;
    this.scratch_ = undefined;
    return n;
  }
}

/** MODEL_FILE_CORRUPT for a vectorizer state. */
export function corrupt(kind: string, why: string, cause?: unknown): CuratorError {
  return new CuratorError('MODEL_FILE_CORRUPT', `The ${kind} state is corrupt: ${why}.`, { cause });
}

/** Checks a state's kind and builds the estimator from its params, reporting bad params as a corrupt file. */
export function fromStateParams<T>(kind: string, state: ModelState, make: (params: never) => T): T {
  if (state.kind !== kind) throw new CuratorError('MODEL_FILE_KIND', `Expected a ${kind} state, got '${state.kind}'.`, { field: 'kind' });
  try {
    return make(state.params as never);
  } catch (err) {
    throw corrupt(kind, `its params are invalid (${(err as Error).message})`, err);
  }
}

/**
 * Document-count thresholds from minDf/maxDf (see CountVectorizerParams for the number rule),
 * computed as scikit-learn does: a fraction times the number of documents, compared as a float.
 */
export function dfThresholds(p: Pick<CountVectorizerParams, 'minDf' | 'maxDf'>, nDocs: number): { low: number; high: number } {
  const high = p.maxDf <= 1 ? p.maxDf * nDocs : p.maxDf;
  const low = p.minDf < 1 ? p.minDf * nDocs : p.minDf;
  return { low, high };
}

/**
 * Learns a vocabulary from analyzed documents exactly as scikit-learn's CountVectorizer.fit:
 * terms by document frequency within [minDf, maxDf], then the `maxFeatures` most frequent
 * (ties cut as numpy's argsort cuts them), in sorted order. Touches only `a.docs`, so fitting
 * a fold of a shared AnalyzedDocs learns from that fold alone.
 */
export function learnVocabulary(a: AnalyzedDocs, p: CountVectorizerParams, owner: string): CountFit {
  const nTerms = a.terms.length;
  const nDocs = a.docs.length;
  const df = new Int32Array(nTerms);
  const tf = p.maxFeatures !== null ? new Float64Array(nTerms) : null;
  let present = 0;
  for (const { ids, counts } of termCounts(a.docs, nTerms)) {
    for (let k = 0; k < ids.length; k++) {
      const id = ids[k]!;
      if (df[id]!++ === 0) present++;
      if (tf) tf[id]! += p.binary ? 1 : counts[k]!;
    }
  }
  if (present === 0) {
    throw new CuratorError('EMPTY_VOCABULARY', `${owner}: empty vocabulary; perhaps the documents only contain stop words.`, { field: 'documents' });
  }
  const { low, high } = dfThresholds(p, nDocs);
  if (high < low) {
    throw new CuratorError('INVALID_PARAM', `${owner}: maxDf corresponds to < documents than minDf (${high} < ${low} of ${nDocs} documents).`, { field: 'maxDf' });
  }
  const order = termOrder(a.terms);
  let kept = new Int32Array(present);
  let n = 0;
  for (let i = 0; i < order.length; i++) {
    const id = order[i]!;
    const f = df[id]!;
    if (f > 0 && f <= high && f >= low) kept[n++] = id;
  }
  kept = kept.subarray(0, n);
  if (tf && n > p.maxFeatures!) {
    const neg = new Float64Array(n);
    for (let j = 0; j < n; j++) neg[j] = -tf[kept[j]!]!;
    const top = numpyArgsort(neg).subarray(0, p.maxFeatures!);
    const keep = new Uint8Array(n);
    for (const j of top) keep[j] = 1;
    let w = 0;
    for (let j = 0; j < n; j++) if (keep[j]) kept[w++] = kept[j]!;
    kept = kept.subarray(0, w);
    n = w;
  }
  if (n === 0) {
    throw new CuratorError('EMPTY_VOCABULARY', `${owner}: after pruning, no terms remain. Try a lower minDf or a higher maxDf.`, { field: 'minDf' });
  }
  const colOf = new Int32Array(nTerms).fill(-1);
  const vocabulary = new Array<string>(n);
  const dfCols = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const id = kept[j]!;
    colOf[id] = j;
    vocabulary[j] = a.terms[id]!;
    dfCols[j] = df[id]!;
  }
  return { vocabulary, colOf, df: dfCols, nDocs };
}

/**
 * Per-column scratch for counting rows, reused across calls so transforming one document costs
 * nothing proportional to the vocabulary size. `seen[c] === stamp` marks columns of the current row.
 */
export class CountScratch {
  seen: Int32Array;
  count: Float64Array;
  stamp = 0;

  constructor(nCols: number) {
    this.seen = new Int32Array(nCols);
    this.count = new Float64Array(nCols);
  }

  /** A fresh stamp for the next row. */
  next(): number {
    if (this.stamp === 0x7fffffff) {
      this.seen.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }
}

/** Accumulates one row at a time into CSR arrays, with each row's columns ascending. */
class RowBuilder {
  private indices: Int32Array;
  private data: Float64Array;
  private readonly indptr: Int32Array;
  private nnz = 0;
  private row = 0;
  private stamp: number;
  private cols = new Int32Array(128);
  private nRowCols = 0;

  constructor(
    private readonly nCols: number,
    nRows: number,
    private readonly scratch: CountScratch,
    nnzHint: number,
  ) {
    this.indptr = new Int32Array(nRows + 1);
    this.indices = new Int32Array(Math.max(16, nnzHint));
    this.data = new Float64Array(Math.max(16, nnzHint));
    this.stamp = scratch.next();
  }

  add(c: number): void {
    if (c < 0) return;
    const sc = this.scratch;
    if (sc.seen[c] !== this.stamp) {
      sc.seen[c] = this.stamp;
      sc.count[c] = 1;
      if (this.nRowCols === this.cols.length) {
        const g = new Int32Array(this.cols.length * 2);
        g.set(this.cols);
        this.cols = g;
      }
      this.cols[this.nRowCols++] = c;
    } else {
      sc.count[c]!++;
    }
  }

  endRow(binary: boolean): void {
    const k = this.nRowCols;
    const cols = this.cols.subarray(0, k).sort();
    if (this.nnz + k > this.indices.length) {
      const size = Math.max(this.indices.length * 2, this.nnz + k);
      const ind = new Int32Array(size);
      ind.set(this.indices.subarray(0, this.nnz));
      this.indices = ind;
      const dat = new Float64Array(size);
      dat.set(this.data.subarray(0, this.nnz));
      this.data = dat;
    }
    const count = this.scratch.count;
    for (let j = 0; j < k; j++) {
      const c = cols[j]!;
      this.indices[this.nnz] = c;
      this.data[this.nnz++] = binary ? 1 : count[c]!;
    }
    this.nRowCols = 0;
    this.indptr[++this.row] = this.nnz;
    this.stamp = this.scratch.next();
  }

  finish(): CsrMatrix {
    return new CsrMatrix(this.row, this.nCols, this.indptr.subarray(0, this.row + 1), this.indices.slice(0, this.nnz), this.data.slice(0, this.nnz));
  }
}

/**
 * Counts analyzed documents into a CSR matrix through a global id → column table. Documents are
 * condensed to ascending distinct ids once (termCounts); when the table is monotone — always for a
 * learned vocabulary over an analyzer's sorted dictionary — rows come out with ascending columns
 * and need no sort.
 */
export function countMatrix(docs: readonly Int32Array[], colOf: Int32Array, nCols: number, binary: boolean): CsrMatrix {
  const n = docs.length;
  const tc = termCounts(docs, colOf.length);
  let cap = 0;
  for (let d = 0; d < n; d++) cap += tc[d]!.ids.length;
  const indices = new Int32Array(cap);
  const data = new Float64Array(cap);
  const indptr = new Int32Array(n + 1);
  let monotone = true;
  for (let i = 0, last = -1; i < colOf.length; i++) {
    const c = colOf[i]!;
    if (c < 0) continue;
    if (c <= last) {
      monotone = false;
      break;
    }
    last = c;
  }
  let nnz = 0;
  for (let d = 0; d < n; d++) {
    const { ids, counts } = tc[d]!;
    const rowStart = nnz;
    for (let k = 0; k < ids.length; k++) {
      const c = colOf[ids[k]!]!;
      if (c < 0) continue;
      indices[nnz] = c;
      data[nnz++] = binary ? 1 : counts[k]!;
    }
    if (!monotone && nnz - rowStart > 1) sortRow(indices, data, rowStart, nnz);
    indptr[d + 1] = nnz;
  }
  return new CsrMatrix(n, nCols, indptr, indices.slice(0, nnz), data.slice(0, nnz));
}

/** Sorts entries [a, b) by column, carrying values along (for fixed vocabularies in user order). */
function sortRow(indices: Int32Array, data: Float64Array, a: number, b: number): void {
  const order = Array.from({ length: b - a }, (_, k) => a + k).sort((x, y) => indices[x]! - indices[y]!);
  const ind = order.map((k) => indices[k]!);
  const dat = order.map((k) => data[k]!);
  indices.set(ind, a);
  data.set(dat, a);
}

/**
 * Converts texts to a matrix of token counts (scikit-learn's CountVectorizer): vocabulary sorted
 * like Python's `sorted()`, rows in document order, columns ascending within each row.
 *
 * @example
 *   const cv = new CountVectorizer({ ngramRange: [1, 2], stopWords: 'english' });
 *   const X = cv.fitTransform(['The cat sat', 'A cat ran']); // 2 × 5: cat, cat ran, cat sat, ran, sat
 *   cv.transform(['cat cat dog']); // 1 × 5, one entry: cat → 2
 */
export class CountVectorizer extends VocabularyVectorizer<CountVectorizerParams> implements Transformer {
  constructor(params: Partial<CountVectorizerParams> = {}) {
    super('CountVectorizer', COUNT_VECTORIZER_PARAMS, params);
  }

  /** Learns the vocabulary from raw texts or AnalyzedDocs. */
  fit(input: TextInput, _y?: readonly string[]): this {
    this.learn(this.toAnalyzed(input, 'fit'));
    return this;
  }

  /** Learns the vocabulary and returns the counts of the same documents. */
  fitTransform(input: TextInput, _y?: readonly string[]): CsrMatrix {
    const a = this.toAnalyzed(input, 'fitTransform');
    const fit = this.learn(a);
    return countMatrix(a.docs, fit.colOf, fit.vocabulary.length, this.params.binary);
  }

  /** Counts of the fitted vocabulary's terms in each document (unknown terms are ignored). */
  transform(input: TextInput): CsrMatrix {
    return this.counts(input, 'transform');
  }

  /** The fitted state: params and the vocabulary packed into two sections. */
  toState(): ModelState {
    return this.vocabularyState();
  }

  /** Rebuilds a fitted CountVectorizer from `toState()` output. */
  static fromState(state: ModelState): CountVectorizer {
    const v = fromStateParams('CountVectorizer', state, (p: Partial<CountVectorizerParams>) => new CountVectorizer(p));
    v.restoreVocabulary(state);
    return v;
  }
}
