/**
 * Curator's learning core: sparse text features, classifiers, model selection, metrics and safe
 * model files, with a scikit-learn-shaped API. Pure: no I/O, no imports from the other layers.
 *
 * @example
 *   import { Pipeline, TfidfVectorizer, LinearSVC, saveModel, loadModel } from './src/ml/index.ts';
 *   const model = new Pipeline([['tfidf', new TfidfVectorizer()], ['clf', new LinearSVC()]]).fit(texts, labels);
 *   const again = loadModel(saveModel(model), { expect: 'Pipeline' });
 */
export { CuratorError, NotFittedError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export { CsrMatrix } from './sparse/csr-matrix.ts';
export { DenseMatrix } from './dense/dense-matrix.ts';
export type { AnalyzedDocs, Classifier, Estimator, Json, ModelState, NumericArray, TextInput, Transformer } from './base/types.ts';
export { resolveParams, is } from './base/params.ts';
export type { Constraint, ParamSpec, ParamTable } from './base/params.ts';

export { CountVectorizer } from './text/count-vectorizer.ts';
export { TfidfVectorizer } from './text/tfidf-vectorizer.ts';
export { TfidfTransformer } from './text/tfidf-transformer.ts';
export { HashingVectorizer } from './text/hashing-vectorizer.ts';
export { ENGLISH_STOP_WORDS } from './text/english-stop-words.ts';

export { MultinomialNB } from './naive-bayes/multinomial-nb.ts';
export { ComplementNB } from './naive-bayes/complement-nb.ts';
export { LinearSVC } from './linear/linear-svc.ts';
export { LogisticRegression } from './linear/logistic-regression.ts';
export { SGDClassifier } from './linear/sgd-classifier.ts';
export { KNeighborsClassifier } from './neighbors/k-neighbors-classifier.ts';

export { Pipeline } from './pipeline/pipeline.ts';
export { VotingClassifier } from './ensemble/voting-classifier.ts';

export * from './model-selection/index.ts';
export * from './metrics/index.ts';

export { saveModel, loadModel, readModelHeader } from './persist/model-file.ts';
export { defaultCandidates, CLASSIFIER_VARIANTS, TFIDF_VARIANTS } from './default-candidates.ts';
export type { Candidate } from './default-candidates.ts';
