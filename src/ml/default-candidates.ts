import type { Classifier } from './base/types.ts';
import { KNeighborsClassifier } from './neighbors/k-neighbors-classifier.ts';
import { LinearSVC } from './linear/linear-svc.ts';
import { LogisticRegression } from './linear/logistic-regression.ts';
import { MultinomialNB } from './naive-bayes/multinomial-nb.ts';
import { SGDClassifier } from './linear/sgd-classifier.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { TfidfVectorizer } from './text/tfidf-vectorizer.ts';

/** The two tf-idf variants of the shared benchmark: scikit-learn's defaults, and sublinear tf with min_df=2. */
export const TFIDF_VARIANTS = {
  tfidf: {},
  tfidf_sub_min2: { sublinearTf: true, minDf: 2 },
} as const satisfies Record<string, ConstructorParameters<typeof TfidfVectorizer>[0]>;

/** The five classifiers of the shared benchmark, with the hyperparameters it sets (others default). */
export const CLASSIFIER_VARIANTS: Record<string, { params: Record<string, string | number | boolean>; make(): Classifier }> = {
  MultinomialNB: { params: { alpha: 1.0 }, make: () => new MultinomialNB({ alpha: 1.0 }) },
  LinearSVC: { params: { C: 1.0 }, make: () => new LinearSVC({ C: 1.0 }) },
  LogisticRegression: { params: { C: 1.0, maxIter: 1000 }, make: () => new LogisticRegression({ C: 1.0, maxIter: 1000 }) },
  KNN5dist: { params: { nNeighbors: 5, weights: 'distance' }, make: () => new KNeighborsClassifier({ nNeighbors: 5, weights: 'distance' }) },
  SGDhinge: { params: { loss: 'hinge', alpha: 1e-4 }, make: () => new SGDClassifier({ loss: 'hinge', alpha: 1e-4 }) },
};

/** One candidate pipeline: a name like `LinearSVC+tfidf` and a factory for a fresh, unfitted pipeline. */
export interface Candidate {
  name: string;
  classifier: string;
  vectorizer: keyof typeof TFIDF_VARIANTS;
  /** The hyperparameters the candidate sets, per step (unset ones keep their defaults). */
  hyperparameters: { tfidf: Record<string, string | number | boolean>; clf: Record<string, string | number | boolean> };
  make(): Pipeline;
}

/**
 * The default candidates: every classifier × every tf-idf variant (ten pipelines), in the
 * benchmark's order (vectorizer outer, classifier inner).
 *
 * @example
 *   for (const c of defaultCandidates()) crossValidate(c.make(), texts, y, { cv: 12 });
 */
export function defaultCandidates(): Candidate[] {
  const out: Candidate[] = [];
  for (const vectorizer of Object.keys(TFIDF_VARIANTS) as (keyof typeof TFIDF_VARIANTS)[]) {
    for (const [classifier, variant] of Object.entries(CLASSIFIER_VARIANTS)) {
      out.push({
        name: `${classifier}+${vectorizer}`,
        classifier,
        vectorizer,
        hyperparameters: { tfidf: { ...TFIDF_VARIANTS[vectorizer] }, clf: { ...variant.params } },
        make: () => new Pipeline([['tfidf', new TfidfVectorizer({ ...TFIDF_VARIANTS[vectorizer] })], ['clf', variant.make()]]),
      });
    }
  }
  return out;
}
