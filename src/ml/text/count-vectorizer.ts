import { BaseEstimator } from '../base/base-estimator.ts';
import { is, type ParamTable } from '../base/params.ts';
import { isAnalyzed, type AnalyzedDocs, type ModelState, type TextInput, type Transformer } from '../base/types.ts';
import { CuratorError } from '../errors.ts';
import { unpackStrings } from '../persist/string-pack.ts';
import { CsrMatrix } from '../sparse/csr-matrix.ts';
import { Analyzer, checkDocuments, termCounts, termOrder } from './analyzer.ts';
import { numpyArgsort } from './numpy-argsort.ts';
import { TERM_HASH, TermIndex } from './term-index.ts';
import { completeScanTable, scanCount, scanTable, sortInts, TermCounts } from './token-scan.ts';
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

/**
 * The machinery every vocabulary-based vectorizer shares (scikit-learn's CountVectorizer, which
 * TfidfVectorizer extends there too): analyzing, learning the vocabulary from AnalyzedDocs, and
 * counting into a CSR matrix with ascending column indices.
 *
 * The fitted vocabulary lives in a TermIndex (typed arrays: the model file's sections as they
 * are), so a loaded vectorizer is ready at once; the vocabulary as strings is made on first use.
 */
export abstract class VocabularyVectorizer<P extends CountVectorizerParams> extends BaseEstimator<P> {
  /** Column → term; made lazily from the index after loading. */
  private vocabulary_: string[] | undefined;
  private index_: TermIndex | undefined;
  private nFeatures_: number | undefined;
  private remaps_ = new WeakMap<readonly string[], Int32Array>();
  private analyzer_: Analyzer | undefined;
  private counter_: TermCounts | undefined;
  private skip_: { analyzer: Analyzer; flags: Uint8Array | null } | undefined;

  get isFitted(): boolean {
    return this.nFeatures_ !== undefined;
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
    this.vocabulary_ ??= this.index_!.terms();
    return this.vocabulary_;
  }

  /** Number of columns (terms) of the fitted vocabulary. */
  get vocabularySize(): number {
    this.assertFitted('vocabularySize');
    return this.nFeatures_!;
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
    this.setVocabulary(fit.vocabulary, undefined);
    this.remaps_.set(a.terms, fit.colOf);
    return fit;
  }

  private setVocabulary(vocabulary: string[] | undefined, index: TermIndex | undefined): void {
    this.vocabulary_ = vocabulary;
    this.index_ = index;
    this.nFeatures_ = vocabulary?.length ?? index!.size;
    this.remaps_ = new WeakMap();
    this.counter_ = undefined;
    this.skip_ = undefined;
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
    return countMatrix(a.docs, this.remapFor(a.terms), this.nFeatures_!, this.params.binary);
  }

  /** The vocabulary's TermIndex (column = term id), built from the strings after a fit. */
  private termIndex(): TermIndex {
    this.index_ ??= TermIndex.build(this.vocabulary_!);
    return this.index_;
  }

  /** Global id → column for a dictionary, made once per dictionary by looking every term up. */
  private remapFor(terms: readonly string[]): Int32Array {
    let colOf = this.remaps_.get(terms);
    if (colOf) return colOf;
    const index = this.termIndex();
    colOf = new Int32Array(terms.length);
    for (let i = 0; i < terms.length; i++) colOf[i] = index.find(terms[i]!);
    this.remaps_.set(terms, colOf);
    return colOf;
  }

  /** Columns holding a stop word (possible with a fixed vocabulary): a token never counts there. */
  private stopColumns(analyzer: Analyzer): Uint8Array | null {
    if (this.skip_?.analyzer === analyzer) return this.skip_.flags;
    let flags: Uint8Array | null = null;
    const stop = analyzer.stopWords;
    if (stop) {
      const index = this.termIndex();
      for (const w of stop) {
        const c = index.find(w);
        if (c < 0) continue;
        flags ??= new Uint8Array(index.size);
        flags[c] = 1;
      }
    }
    this.skip_ = { analyzer, flags };
    return flags;
  }

  /**
   * Counts raw texts straight against the vocabulary. The default analyzer runs fused (one pass
   * over the raw text, see token-scan.ts); texts it cannot take, and other token patterns, are
   * lowercased and tokenized exactly; n-gram analyzers go through feature strings.
   */
  private countTexts(docs: readonly string[]): CsrMatrix {
    const analyzer = this.analyzer;
    const index = this.termIndex();
    const tc = (this.counter_ ??= new TermCounts(index.size));
    tc.clear();
    const out = new RowSink(index.size, docs.length);
    const binary = this.params.binary;
    const [minN, maxN] = analyzer.options.ngramRange;
    if (minN === 1 && maxN === 1) {
      const skip = this.stopColumns(analyzer);
      const table = analyzer.tokens.isDefault ? scanTable(analyzer.options.lowercase) : null;
      for (const doc of docs) {
        if (!table || !scanCount(doc, table.lw, index, skip, tc)) {
          if (table && !table.complete) {
            completeScanTable(table, analyzer.options.lowercase);
            if (scanCount(doc, table.lw, index, skip, tc)) {
              out.row(tc, binary);
              continue;
            }
          }
          const text = analyzer.prepare(doc);
          const spans = analyzer.tokens.scan(text);
          for (let k = 0; k < spans.count; k++) {
            const id = index.find(text, spans.starts[k]!, spans.ends[k]!);
            if (id >= 0 && (skip === null || skip[id] === 0)) tc.add(id);
          }
        }
        out.row(tc, binary);
      }
    } else {
      for (const doc of docs) {
        for (const f of analyzer.features(doc)) {
          const id = index.find(f);
          if (id >= 0) tc.add(id);
        }
        out.row(tc, binary);
      }
    }
    return out.finish();
  }

  /** Starts a state with the vocabulary's TermIndex as three sections. */
  protected vocabularyState(): ModelState {
    this.assertFitted('toState');
    const s = this.baseState();
    const index = this.termIndex();
    s.arrays['termChars'] = index.chars;
    s.arrays['termStarts'] = index.starts;
    s.arrays['termSlots'] = index.slots;
    s.meta['nFeatures'] = index.size;
    s.meta['termHash'] = TERM_HASH;
    return s;
  }

  /**
   * Restores the vocabulary from a state made by vocabularyState, using its arrays in place (no
   * per-term work); returns the number of columns. States with the vocabulary as packed UTF-8
   * (vocabularyBytes/vocabularyEnds) are read too.
   */
  protected restoreVocabulary(state: ModelState): number {
    const n = state.meta['nFeatures'];
    const { termChars: chars, termStarts: starts, termSlots: slots, vocabularyBytes: bytes, vocabularyEnds: ends } = state.arrays;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw corrupt(this.kind, 'its vocabulary sections are missing or disagree with nFeatures');
    if (chars !== undefined || starts !== undefined) {
      if (!(chars instanceof Uint8Array) || !(starts instanceof Int32Array) || starts.length !== n + 1 || !(slots === undefined || slots instanceof Int32Array)) {
        throw corrupt(this.kind, 'its vocabulary sections are missing or disagree with nFeatures');
      }
      const index = TermIndex.fromArrays(chars, starts, slots !== undefined && state.meta['termHash'] === TERM_HASH ? slots : null);
      if (typeof index === 'string') throw corrupt(this.kind, `its vocabulary index is inconsistent: ${index}`);
      this.setVocabulary(undefined, index);
      return n;
    }
    if (!(bytes instanceof Uint8Array) || !(ends instanceof Int32Array) || ends.length !== n) {
      throw corrupt(this.kind, 'its vocabulary sections are missing or disagree with nFeatures');
    }
    let prev = 0;
    for (const e of ends) {
      if (e < prev || e > bytes.length) throw corrupt(this.kind, 'its vocabulary offsets are out of order');
      prev = e;
    }
    try {
      this.setVocabulary(unpackStrings({ bytes, ends }), undefined);
    } catch (err) {
      throw corrupt(this.kind, 'its vocabulary is not valid UTF-8', err);
    }
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

/** Accumulates rows of term counts into CSR arrays, each row's columns ascending. */
class RowSink {
  private indices: Int32Array;
  private data: Float64Array;
  private readonly indptr: Int32Array;
  private nnz = 0;
  private nRows = 0;

  constructor(
    private readonly nCols: number,
    nRows: number,
  ) {
    this.indptr = new Int32Array(nRows + 1);
    const cap = Math.max(16, Math.min(nRows * 128, 1 << 22));
    this.indices = new Int32Array(cap);
    this.data = new Float64Array(cap);
  }

  /** Appends the counted document as the next row and clears the counts. */
  row(tc: TermCounts, binary: boolean): void {
    const k = tc.n;
    const ids = tc.touched;
    sortInts(ids, k);
    if (this.nnz + k > this.indices.length) {
      const size = Math.max(this.indices.length * 2, this.nnz + k);
      const ind = new Int32Array(size);
      ind.set(this.indices.subarray(0, this.nnz));
      this.indices = ind;
      const dat = new Float64Array(size);
      dat.set(this.data.subarray(0, this.nnz));
      this.data = dat;
    }
    const { indices, data } = this;
    const counts = tc.counts;
    let nnz = this.nnz;
    for (let j = 0; j < k; j++) {
      const c = ids[j]!;
      indices[nnz] = c;
      data[nnz++] = binary ? 1 : counts[c]!;
      counts[c] = 0;
    }
    tc.n = 0;
    this.nnz = nnz;
    this.indptr[++this.nRows] = nnz;
  }

  finish(): CsrMatrix {
    return new CsrMatrix(this.nRows, this.nCols, this.indptr.subarray(0, this.nRows + 1), this.indices.slice(0, this.nnz), this.data.slice(0, this.nnz));
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
