import { CuratorError } from '../errors.ts';
import type { Estimator, ModelState } from '../base/types.ts';
import { VotingClassifier } from '../ensemble/voting-classifier.ts';
import { LinearSVC } from '../linear/linear-svc.ts';
import { LogisticRegression } from '../linear/logistic-regression.ts';
import { SGDClassifier } from '../linear/sgd-classifier.ts';
import { ComplementNB } from '../naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../naive-bayes/multinomial-nb.ts';
import { KNeighborsClassifier } from '../neighbors/k-neighbors-classifier.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { CountVectorizer } from '../text/count-vectorizer.ts';
import { HashingVectorizer } from '../text/hashing-vectorizer.ts';
import { TfidfTransformer } from '../text/tfidf-transformer.ts';
import { TfidfVectorizer } from '../text/tfidf-vectorizer.ts';

/**
 * Every estimator kind a model file may hold, mapped to how it is rebuilt from its state: the one
 * place that knows every estimator class. Composites (Pipeline, VotingClassifier) get
 * `restoreEstimator` passed in to rebuild their children, so they need not import this table
 * (which imports them): no import cycle, and no registration side effects at module load.
 */
export const MODEL_KINDS = {
  CountVectorizer: (s: ModelState) => CountVectorizer.fromState(s),
  TfidfVectorizer: (s: ModelState) => TfidfVectorizer.fromState(s),
  TfidfTransformer: (s: ModelState) => TfidfTransformer.fromState(s),
  HashingVectorizer: (s: ModelState) => HashingVectorizer.fromState(s),
  MultinomialNB: (s: ModelState) => MultinomialNB.fromState(s),
  ComplementNB: (s: ModelState) => ComplementNB.fromState(s),
  KNeighborsClassifier: (s: ModelState) => KNeighborsClassifier.fromState(s),
  LinearSVC: (s: ModelState) => LinearSVC.fromState(s),
  LogisticRegression: (s: ModelState) => LogisticRegression.fromState(s),
  SGDClassifier: (s: ModelState) => SGDClassifier.fromState(s),
  Pipeline: (s: ModelState) => Pipeline.fromState(s, restoreEstimator),
  VotingClassifier: (s: ModelState) => VotingClassifier.fromState(s, restoreEstimator),
} as const satisfies Record<string, (s: ModelState) => Estimator>;

/** A kind name that model files may hold. */
export type ModelKind = keyof typeof MODEL_KINDS;

/** The estimator class of a kind, e.g. `EstimatorOfKind<'Pipeline'>` is Pipeline. */
export type EstimatorOfKind<K extends ModelKind> = ReturnType<(typeof MODEL_KINDS)[K]>;

/** True when `kind` names an estimator this build can load. */
export function isModelKind(kind: string): kind is ModelKind {
  return Object.hasOwn(MODEL_KINDS, kind);
}

/**
 * Rebuilds a fitted estimator (and, through composites, its children) from its state. An unknown
 * kind is MODEL_FILE_KIND; any other failure of a `fromState` means the state does not describe a
 * valid model and is reported as MODEL_FILE_CORRUPT, so a loader never sees RangeError & co.
 */
export function restoreEstimator(state: ModelState): Estimator {
  if (!isModelKind(state.kind)) {
    throw new CuratorError('MODEL_FILE_KIND', `The model file holds an estimator of kind '${state.kind}', which this Curator does not know. Known kinds: ${Object.keys(MODEL_KINDS).join(', ')}.`, { field: 'kind' });
  }
  let est: Estimator;
  try {
    est = MODEL_KINDS[state.kind](state);
  } catch (e) {
    if (e instanceof CuratorError && e.code.startsWith('MODEL_FILE_')) throw e;
    throw new CuratorError('MODEL_FILE_CORRUPT', `The model file's ${state.kind} cannot be rebuilt: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
  if (est.kind !== state.kind || !est.isFitted) throw new CuratorError('MODEL_FILE_CORRUPT', `The model file's ${state.kind} did not rebuild into a fitted ${state.kind}.`);
  return est;
}
