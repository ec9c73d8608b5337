import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import type { DenseMatrix } from '../dense/dense-matrix.ts';

/** Any typed array that a model file can hold as a section. */
export type NumericArray =
  | Float64Array
  | Float32Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** A JSON value (model file headers and params hold only these). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Everything needed to rebuild a fitted estimator, as plain data: small values as JSON (`params`,
 * `meta`), weights as typed arrays, nested estimators (pipeline steps, ensemble members) as children.
 * The model file format writes exactly this, so loading is a copy and never runs code.
 */
export interface ModelState {
  kind: string;
  params: Record<string, Json>;
  meta: Record<string, Json>;
  arrays: Record<string, NumericArray>;
  children: Record<string, ModelState>;
}

/** What every estimator offers: params in, a clone out, its state for the model file. */
export interface Estimator {
  /** Registered kind name, e.g. `MultinomialNB`; model files are keyed by it. */
  readonly kind: string;
  getParams(): Record<string, unknown>;
  setParams(params: Record<string, unknown>): this;
  clone(): Estimator;
  /** True once fit (or loading) has produced learned state. */
  readonly isFitted: boolean;
  /** The fitted state; throws NotFittedError before fit. */
  toState(): ModelState;
}

/**
 * Documents already analyzed into term ids by one analyzer (tokenizer + n-grams + stop words), so
 * cross-validation folds and candidates share the tokenizing work while every fold still fits its
 * own vocabulary and idf on its training part only.
 */
export interface AnalyzedDocs {
  /** Identifies the analyzer settings; a vectorizer accepts only docs analyzed its own way. */
  readonly analyzerKey: string;
  /** Global dictionary: term id → term. */
  readonly terms: readonly string[];
  /** Per document, its terms' ids in order of occurrence (with repeats). */
  readonly docs: readonly Int32Array[];
}

/** Raw texts, or texts analyzed once beforehand. */
export type TextInput = readonly string[] | AnalyzedDocs;

/** A step that turns inputs into a sparse feature matrix (vectorizers, tf-idf weighting). */
export interface Transformer<In = TextInput> extends Estimator {
  fit(input: In): this;
  transform(input: In): CsrMatrix;
  fitTransform(input: In): CsrMatrix;
}

/** A classifier on sparse features with string labels. */
export interface Classifier extends Estimator {
  /** The sorted distinct labels seen in fit; column order of predictProba and decisionFunction. */
  readonly classes: readonly string[];
  fit(X: CsrMatrix, y: readonly string[]): this;
  predict(X: CsrMatrix): string[];
  /** Class probabilities, one row per document and one column per class (where defined). */
  predictProba?(X: CsrMatrix): DenseMatrix;
  /** Signed distances to the decision boundary; one column for two classes (positive = classes[1]). */
  decisionFunction?(X: CsrMatrix): DenseMatrix;
}

/** True when `x` is AnalyzedDocs rather than raw texts. */
export function isAnalyzed(x: TextInput): x is AnalyzedDocs {
  return !Array.isArray(x) && typeof (x as AnalyzedDocs).analyzerKey === 'string';
}
