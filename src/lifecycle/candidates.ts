import type { Classifier, Json } from '../ml/base/types.ts';
import { CLASSIFIER_VARIANTS, TFIDF_VARIANTS } from '../ml/default-candidates.ts';
import { CuratorError } from '../ml/errors.ts';
import { LinearSVC } from '../ml/linear/linear-svc.ts';
import { LogisticRegression } from '../ml/linear/logistic-regression.ts';
import { SGDClassifier } from '../ml/linear/sgd-classifier.ts';
import { parameterGrid } from '../ml/model-selection/grid-search.ts';
import { ComplementNB } from '../ml/naive-bayes/complement-nb.ts';
import { MultinomialNB } from '../ml/naive-bayes/multinomial-nb.ts';
import { KNeighborsClassifier } from '../ml/neighbors/k-neighbors-classifier.ts';
import { Pipeline } from '../ml/pipeline/pipeline.ts';
import { TfidfVectorizer } from '../ml/text/tfidf-vectorizer.ts';

/**
 * One candidate of a task, as data (it is stored in the task's config and rebuilt wherever a
 * build runs, a worker thread included): a tf-idf vectorizer and a classifier, each with its
 * params, and optionally a grid of values to try (`clf__C`, `tfidf__minDf`, …), one candidate
 * per grid point.
 *
 * @example { name: 'svm', estimator: 'LinearSVC', params: { C: 1 }, vectorizer: { sublinearTf: true }, grid: { clf__C: [0.1, 1, 10] } }
 */
export interface CandidateSpec {
  readonly name: string;
  /** Classifier kind: one of {@link CLASSIFIER_KINDS}. */
  readonly estimator: string;
  readonly params?: Readonly<Record<string, Json>>;
  /** TfidfVectorizer params. */
  readonly vectorizer?: Readonly<Record<string, Json>>;
  /** Values per pipeline param (`tfidf__*` or `clf__*`); every combination becomes a candidate. */
  readonly grid?: Readonly<Record<string, readonly Json[]>>;
}

/** A candidate ready to cross-validate: a unique name, what it sets, and a factory for a fresh pipeline. */
export interface ExpandedCandidate {
  readonly name: string;
  readonly estimator: string;
  /** The params set per step (unset ones keep their defaults): stored with the model. */
  readonly hyperparameters: { readonly tfidf: Record<string, Json>; readonly clf: Record<string, Json> };
  make(): Pipeline;
}

type ClassifierFactory = (params: Record<string, unknown>) => Classifier;

const FACTORIES: Record<string, ClassifierFactory> = {
  MultinomialNB: (p) => new MultinomialNB(p),
  ComplementNB: (p) => new ComplementNB(p),
  LinearSVC: (p) => new LinearSVC(p),
  LogisticRegression: (p) => new LogisticRegression(p),
  SGDClassifier: (p) => new SGDClassifier(p),
  KNeighborsClassifier: (p) => new KNeighborsClassifier(p),
};

/** The classifier kinds a candidate may name. */
export const CLASSIFIER_KINDS: readonly string[] = Object.keys(FACTORIES);

/** The default candidates (five classifiers × two tf-idf variants of src/ml/default-candidates.ts) as specs. */
export function defaultCandidateSpecs(): CandidateSpec[] {
  const out: CandidateSpec[] = [];
  for (const [vectorizer, vParams] of Object.entries(TFIDF_VARIANTS)) {
    for (const [classifier, variant] of Object.entries(CLASSIFIER_VARIANTS)) {
      out.push({ name: `${classifier}+${vectorizer}`, estimator: variant.make().kind, params: { ...variant.params }, vectorizer: { ...vParams } });
    }
  }
  return out;
}

function makePipeline(spec: CandidateSpec, point: Record<string, unknown>): Pipeline {
  const factory = FACTORIES[spec.estimator]!;
  const pipe = new Pipeline([
    ['tfidf', new TfidfVectorizer({ ...(spec.vectorizer ?? {}) })],
    ['clf', factory({ ...(spec.params ?? {}) })],
  ]);
  if (Object.keys(point).length > 0) pipe.setParams(point);
  return pipe;
}

/**
 * Every candidate of a list of specs, grids expanded. Checks each spec by building its
 * pipelines once, so a bad kind or param fails here (with the estimator's own message) and not
 * in the middle of a build.
 */
export function expandCandidates(specs: readonly CandidateSpec[], fn = 'expandCandidates'): ExpandedCandidate[] {
  const out: ExpandedCandidate[] = [];
  const names = new Set<string>();
  specs.forEach((spec, i) => {
    const at = `candidates[${i}]`;
    if (spec === null || typeof spec !== 'object') throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${at} must be an object`, { field: at });
    if (typeof spec.name !== 'string' || spec.name.trim() === '') {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${at}.name must be a non-empty string; got ${JSON.stringify(spec.name)}`, { field: `${at}.name` });
    }
    if (typeof spec.estimator !== 'string' || !Object.hasOwn(FACTORIES, spec.estimator)) {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${at}.estimator must be one of ${CLASSIFIER_KINDS.join(', ')}; got ${JSON.stringify(spec.estimator)}`, {
        field: `${at}.estimator`,
      });
    }
    for (const part of ['params', 'vectorizer', 'grid'] as const) {
      const v = spec[part];
      if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) {
        throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${at}.${part} must be a plain object; got ${JSON.stringify(v)}`, { field: `${at}.${part}` });
      }
    }
    const grid = spec.grid ?? {};
    for (const key of Object.keys(grid)) {
      if (!/^(tfidf|clf)__\w+$/.test(key)) {
        throw new CuratorError('INVALID_ARGUMENT', `${fn}: ${at}.grid keys must be 'tfidf__<param>' or 'clf__<param>'; got ${JSON.stringify(key)}`, { field: `${at}.grid` });
      }
    }
    const points = Object.keys(grid).length === 0 ? [{}] : parameterGrid(grid as Record<string, readonly unknown[]>);
    for (const point of points) {
      const suffix = Object.entries(point).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
      const name = suffix === '' ? spec.name : `${spec.name}[${suffix}]`;
      if (names.has(name)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: two candidates are named ${JSON.stringify(name)}`, { field: `${at}.name` });
      names.add(name);
      let probe: Pipeline;
      try {
        probe = makePipeline(spec, point);
      } catch (e) {
        if (e instanceof CuratorError) throw new CuratorError(e.code, `${fn}: ${at} (${name}): ${e.message}`, { field: `${at}.${e.field ?? 'params'}`, cause: e });
        throw e;
      }
      const tfidf: Record<string, Json> = { ...(spec.vectorizer ?? {}) };
      const clf: Record<string, Json> = { ...(spec.params ?? {}) };
      for (const [k, v] of Object.entries(point)) (k.startsWith('tfidf__') ? tfidf : clf)[k.slice(k.indexOf('__') + 2)] = v as Json;
      out.push({ name, estimator: probe.finalEstimator.kind, hyperparameters: { tfidf, clf }, make: () => makePipeline(spec, point) });
    }
  });
  if (out.length === 0) throw new CuratorError('INVALID_ARGUMENT', `${fn}: candidates must not be empty`, { field: 'candidates' });
  return out;
}
