import { CuratorError } from '../errors.ts';
import { selectSamples, type Samples } from '../base/select-samples.ts';
import type { Classifier } from '../base/types.ts';
import { Pipeline, type PipelineInput } from '../pipeline/pipeline.ts';
import { Predictions } from '../metrics/scorer.ts';
import type { CsrMatrix } from '../sparse/csr-matrix.ts';
import { checkCvInput, meanStd, resolveFolds, resolveScoring, type CrossValidateOptions, type CrossValidateResult } from './cross-validate.ts';

/** A named candidate: a factory for a fresh, unfitted pipeline (transformers, then a classifier). */
export interface CandidateSpec {
  name: string;
  make(): Pipeline;
}

/** Per candidate, its cross-validation result; plus the wall time of the whole run. */
export interface CandidatesResult {
  results: Record<string, CrossValidateResult>;
  /** Seconds for everything (shared feature building included). */
  wallS: number;
  /** Seconds spent building fold features, per group of candidates that share them. */
  sharedFeatureS: Record<string, number>;
}

/** Options of {@link crossValidateCandidates}: those of crossValidate, progress also naming the candidate. */
export interface CandidatesOptions extends Omit<CrossValidateOptions, 'onProgress' | 'returnEstimator' | 'returnTrainScore' | 'errorScore'> {
  /** Called after each (fold, candidate) with units done, units in all, and the candidate's name. */
  onProgress?: (done: number, total: number, candidate: string) => void;
}

function prefixKey(p: Pipeline): string {
  return JSON.stringify(p.steps.slice(0, -1).map(([name, e]) => [name, e.kind, e.getParams()]));
}

/**
 * Cross-validates many candidate pipelines on the same folds, building each fold's features once
 * per distinct transformer chain and sharing them across the candidates that use it (what
 * scikit-learn's `Pipeline(memory=...)` caching does). Each fold's transformers are still fitted
 * on that fold's training part only, so scores equal those of crossValidate on each candidate.
 * A candidate's fitTime counts its share of the shared feature building plus its own fit.
 *
 * @example
 *   const { results } = crossValidateCandidates(defaultCandidates(), texts, y, { cv: 12, scoring: ['accuracy', 'f1'] });
 */
export function crossValidateCandidates(candidates: readonly CandidateSpec[], X: PipelineInput & Samples, y: readonly string[], options: CandidatesOptions = {}): CandidatesResult {
  const owner = 'crossValidateCandidates';
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new CuratorError('INVALID_ARGUMENT', `${owner}: candidates must be a non-empty array of {name, make}.`, { field: 'candidates' });
  }
  const seen = new Set<string>();
  for (const c of candidates) {
    if (typeof c?.name !== 'string' || typeof c.make !== 'function') throw new CuratorError('INVALID_ARGUMENT', `${owner}: every candidate needs a name and a make() function.`, { field: 'candidates' });
    if (seen.has(c.name)) throw new CuratorError('INVALID_ARGUMENT', `${owner}: two candidates are named ${JSON.stringify(c.name)}.`, { field: 'candidates' });
    seen.add(c.name);
  }
  const t0 = performance.now();
  const n = checkCvInput(owner, X, y);
  const scorers = resolveScoring(options.scoring);
  const { folds, warnings } = resolveFolds(owner, options.cv, X, y, n);
  const names = Object.keys(scorers);

  const groups = new Map<string, CandidateSpec[]>();
  for (const c of candidates) {
    const probe = c.make();
    if (!(probe instanceof Pipeline) || probe.steps.length < 2) {
      throw new CuratorError('INVALID_ARGUMENT', `${owner}: candidate ${JSON.stringify(c.name)} must make a Pipeline of transformers ending in a classifier.`, { field: 'candidates' });
    }
    const key = prefixKey(probe);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }

  const results: Record<string, CrossValidateResult> = {};
  for (const c of candidates) {
    results[c.name] = {
      fitTime: [], scoreTime: [], testScores: Object.fromEntries(names.map((k) => [k, [] as number[]])),
      summary: { fitTime: { mean: 0, std: 0 }, scoreTime: { mean: 0, std: 0 }, test: {} }, warnings: [...warnings], errors: [],
    };
  }
  const sharedFeatureS: Record<string, number> = {};
  const total = folds.length * candidates.length;
  let done = 0;
  for (const fold of folds) {
    const yTrain = Array.from(fold.train, (i) => y[i]!);
    const yTest = Array.from(fold.test, (i) => y[i]!);
    for (const members of groups.values()) {
      const ts = performance.now();
      const features = new Pipeline(members[0]!.make().steps.slice(0, -1));
      const Xtrain = features.fitTransform(selectSamples(X, fold.train), yTrain);
      const Xtest: CsrMatrix = features.transform(selectSamples(X, fold.test));
      const shareS = (performance.now() - ts) / 1000;
      const groupName = members.map((m) => m.name).join(', ');
      sharedFeatureS[groupName] = (sharedFeatureS[groupName] ?? 0) + shareS;
      for (const c of members) {
        const clf = c.make().finalEstimator as Classifier;
        const tf = performance.now();
        clf.fit(Xtrain, yTrain);
        const fitS = (performance.now() - tf) / 1000 + shareS / members.length;
        const tsc = performance.now();
        const shared = new Predictions(clf, Xtest);
        const r = results[c.name]!;
        for (const [k, s] of Object.entries(scorers)) r.testScores[k]!.push(s.scorePredictions(shared, yTest));
        r.scoreTime.push((performance.now() - tsc) / 1000);
        r.fitTime.push(fitS);
        options.onProgress?.(++done, total, c.name);
      }
    }
  }
  for (const r of Object.values(results)) {
    r.summary.fitTime = meanStd(r.fitTime);
    r.summary.scoreTime = meanStd(r.scoreTime);
    for (const k of names) r.summary.test[k] = meanStd(r.testScores[k]!);
  }
  return { results, wallS: (performance.now() - t0) / 1000, sharedFeatureS };
}
