import type { ParamTable } from '../base/params.ts';
import type { ModelState, TextInput, Transformer } from '../base/types.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { CuratorError } from '../errors.ts';
import { corrupt, COUNT_VECTORIZER_PARAMS, countMatrix, fromStateParams, VocabularyVectorizer, type CountVectorizerParams } from './count-vectorizer.ts';
import { codeValues, plainValues, readCodedValues, type CodedValues } from '../base/coded-values.ts';
import { applyTfidf, computeIdf, TFIDF_PARAMS, type TfidfParams } from './tfidf-transformer.ts';

/** TfidfVectorizer's params: CountVectorizer's plus the tf-idf weighting, scikit-learn's defaults. */
export type TfidfVectorizerParams = CountVectorizerParams & TfidfParams;

const TABLE: ParamTable<TfidfVectorizerParams> = { ...COUNT_VECTORIZER_PARAMS, ...TFIDF_PARAMS };

/**
 * Texts to tf-idf features (scikit-learn's TfidfVectorizer = CountVectorizer + TfidfTransformer).
 * Fit on raw texts, or on AnalyzedDocs from `analyze()` so cross-validation folds share one
 * tokenization while each fold still learns its own vocabulary and idf.
 *
 * @example
 *   const vec = new TfidfVectorizer({ sublinearTf: true, minDf: 2 });
 *   const X = vec.fitTransform(trainTexts);       // rows l2-normalized
 *   const Xnew = vec.transform(['Win money now']); // same columns
 *
 *   const all = vec.analyze(texts);                // tokenize once
 *   vec.fitTransform(selectSamples(all, trainIdx)); // == vec.fitTransform(trainTexts)
 */
export class TfidfVectorizer extends VocabularyVectorizer<TfidfVectorizerParams> implements Transformer {
  /** Plain once fitted; read through codes when loaded from a model file that stored them so. */
  private idf_: Float64Array | CodedValues | undefined;

  constructor(params: Partial<TfidfVectorizerParams> = {}) {
    super('TfidfVectorizer', TABLE, params);
  }

  /** The learned idf per column (scikit-learn's `idf_`); only with useIdf. */
  get idf(): Float64Array {
    this.assertFitted('idf');
    if (!this.idf_) throw new CuratorError('INVALID_ARGUMENT', 'TfidfVectorizer: idf is only learned with useIdf: true.', { field: 'useIdf' });
    return (this.idf_ = plainValues(this.idf_));
  }

  /** Learns vocabulary and idf from raw texts or AnalyzedDocs. */
  fit(input: TextInput, _y?: readonly string[]): this {
    const fit = this.learn(this.toAnalyzed(input, 'fit'));
    this.idf_ = this.params.useIdf ? computeIdf(fit.df, fit.nDocs, this.params.smoothIdf) : undefined;
    return this;
  }

  /** Learns vocabulary and idf, and returns the tf-idf matrix of the same documents. */
  fitTransform(input: TextInput, _y?: readonly string[]): CsrMatrix {
    const a = this.toAnalyzed(input, 'fitTransform');
    const fit = this.learn(a);
    this.idf_ = this.params.useIdf ? computeIdf(fit.df, fit.nDocs, this.params.smoothIdf) : undefined;
    const X = countMatrix(a.docs, fit.colOf, fit.vocabulary.length, this.params.binary);
    return applyTfidf(X, this.idf_ ?? null, this.params.sublinearTf, this.params.norm);
  }

  /** The tf-idf matrix of documents over the fitted vocabulary. */
  transform(input: TextInput): CsrMatrix {
    const X = this.counts(input, 'transform');
    return applyTfidf(X, this.idf_ ?? null, this.params.sublinearTf, this.params.norm);
  }

  /**
   * The fitted state: params, the packed vocabulary, and with useIdf the idf, as its distinct
   * values and a code per term (`idfTable`, `idfCodes`) where that is much smaller, else plain.
   */
  toState(): ModelState {
    const s = this.vocabularyState();
    if (this.idf_) {
      const coded = this.idf_ instanceof Float64Array ? codeValues(this.idf_) : this.idf_;
      if (coded === undefined) s.arrays['idf'] = this.idf_ as Float64Array;
      else {
        s.arrays['idfTable'] = coded.table;
        s.arrays['idfCodes'] = coded.codes;
      }
    }
    return s;
  }

  /** Rebuilds a fitted TfidfVectorizer from `toState()` output; it transforms bit-identically. */
  static fromState(state: ModelState): TfidfVectorizer {
    const v = fromStateParams('TfidfVectorizer', state, (p: Partial<TfidfVectorizerParams>) => new TfidfVectorizer(p));
    const n = v.restoreVocabulary(state);
    if (v.params.useIdf) {
      if (state.arrays['idfTable'] !== undefined) {
        const coded = readCodedValues(state.arrays['idfTable'], state.arrays['idfCodes'], n);
        if (typeof coded === 'string') throw corrupt('TfidfVectorizer', `its coded idf is unusable: ${coded}`);
        v.idf_ = coded;
      } else {
        const idf = state.arrays['idf'];
        if (!(idf instanceof Float64Array) || idf.length !== n) throw corrupt('TfidfVectorizer', 'its idf section is missing or has the wrong length');
        v.idf_ = idf;
      }
    }
    return v;
  }
}
