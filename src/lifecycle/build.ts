import type { Json, TextInput } from '../ml/base/types.ts';
import { CuratorError } from '../ml/errors.ts';
import { precisionScore, recallScore, f1Score } from '../ml/metrics/precision-recall-f.ts';
import { confusionMatrix } from '../ml/metrics/confusion-matrix.ts';
import { getScorer, makeScorer, Scorer, type Predictions } from '../ml/metrics/scorer.ts';
import { crossValidateCandidates } from '../ml/model-selection/cross-validate-candidates.ts';
import { meanStd } from '../ml/model-selection/cross-validate.ts';
import type { Fold } from '../ml/model-selection/splitter.ts';
import { StratifiedKFold } from '../ml/model-selection/stratified-k-fold.ts';
import { MODEL_FILE_VERSION, saveModel } from '../ml/persist/model-file.ts';
import { Pipeline } from '../ml/pipeline/pipeline.ts';
import { confusionCell, CV_CONFUSION, fullConfusionEvaluations, MAX_CONFUSION_LABELS } from '../registry/confusion.ts';
import { Registry, resolveLabels, sha256OfBytes, type Evaluation, type Model, type Snapshot } from '../registry/index.ts';
import type { Scope, Store } from '../store/index.ts';
import { expandCandidates, type ExpandedCandidate } from './candidates.ts';
import { decidePromotion, metricOf, type PairedFold, type PromotionDecision } from './promotion-policy.ts';
import { scopeKey } from './scope-key.ts';
import { taskConfigOf, type TaskConfig } from './task-config.ts';

/** What to build: one task and scope, on whose behalf, and why (recorded with the job and promotion). */
export interface BuildRequest {
  readonly taskId: string;
  readonly scope: Scope;
  readonly actor: string;
  readonly reason: string;
  /** An existing queued job to run under (a job row is created when omitted). */
  readonly jobId?: number;
  /** Which attempt of the job this is, 1-based (a job engine retries after a crash); default 1. */
  readonly attempt?: number;
}

/** Where a build is; `done`/`total` count (fold, candidate) units of the cross-validation. */
export interface BuildProgress {
  readonly stage: 'snapshot' | 'cv' | 'fit' | 'evaluate' | 'register' | 'promote';
  readonly done: number;
  readonly total: number;
  /** 1-based fold and candidate during 'cv'. */
  readonly fold?: number;
  readonly folds?: number;
  readonly candidate?: string;
}

/** One candidate's cross-validated primary metric. */
export interface CandidateScore {
  readonly name: string;
  readonly mean: number;
  readonly std: number;
}

/** The promotion policy's verdict, or the first model of a scope (always promoted). */
export type BuildDecision = PromotionDecision | { readonly promote: true; readonly reason: string };

/** What a build did. */
export type BuildOutcome =
  | {
      readonly status: 'skipped';
      readonly taskId: string;
      readonly scope: Scope;
      readonly jobId: number;
      readonly snapshotId: number | null;
      readonly reason: string;
    }
  | {
      readonly status: 'built';
      readonly taskId: string;
      readonly scope: Scope;
      readonly jobId: number;
      readonly snapshot: Snapshot;
      readonly model: Model;
      /** Every candidate, best first. */
      readonly candidates: readonly CandidateScore[];
      readonly folds: number;
      readonly promoted: boolean;
      readonly decision: BuildDecision;
      readonly wallMs: number;
    };

/** Options of {@link runBuild}. */
export interface BuildOptions {
  readonly onProgress?: (p: BuildProgress) => void;
}

class Skip extends Error {}

/**
 * One build of a task and scope, start to end: snapshot → cross-validation of every candidate
 * on the same stratified folds → fit the winner on the whole snapshot → evaluate it on the full
 * labelled corpus → register it with every per-fold evaluation → promotion policy. A function of
 * the store and the request only (no caches, no timers), so it can run in a worker thread with
 * its own store. Progress and the outcome go to the job row; a failure marks the job failed and
 * leaves no model (registration is one transaction).
 *
 * @example const outcome = await runBuild(store, { taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'initial model' });
 */
export async function runBuild(store: Store, req: BuildRequest, options: BuildOptions = {}): Promise<BuildOutcome> {
  const t0 = performance.now();
  const task = await store.corpus.getTask(req.taskId);
  if (task === undefined) throw new CuratorError('NOT_FOUND', `build: no task '${req.taskId}'`, { field: 'taskId' });
  const config = taskConfigOf(task);
  const job = req.jobId ?? (await store.activity.createJob({ taskId: task.id, scope: req.scope, kind: 'build', params: { actor: req.actor, reason: req.reason } })).id;
  await store.activity.updateJob(job, { status: 'running', startedAt: new Date(), attempts: req.attempt ?? 1 });
  let snapshotId: number | null = null;
  try {
    const outcome = await buildSteps(store, req, config, job, options, (id) => (snapshotId = id), t0);
    await store.activity.updateJob(job, { status: 'succeeded', progress: 1, finishedAt: new Date(), result: jobResult(outcome) as Json, snapshotId });
    return outcome;
  } catch (error) {
    if (error instanceof Skip) {
      const outcome: BuildOutcome = { status: 'skipped', taskId: task.id, scope: req.scope, jobId: job, snapshotId, reason: error.message };
      await store.activity.updateJob(job, { status: 'succeeded', progress: 1, finishedAt: new Date(), result: { skipped: error.message }, snapshotId });
      return outcome;
    }
    await store.activity.updateJob(job, { status: 'failed', finishedAt: new Date(), error: error instanceof Error ? error.message : String(error), snapshotId });
    throw error;
  }
}

/** What a finished build writes to its job row's `result` (the distributed engine reads an outcome back from it). */
export function jobResult(o: BuildOutcome): Record<string, Json> {
  if (o.status === 'skipped') return { skipped: o.reason };
  return {
    modelId: o.model.id,
    promoted: o.promoted,
    reason: o.decision.reason,
    decision: JSON.parse(JSON.stringify(o.decision)) as Json,
    folds: o.folds,
    candidates: o.candidates.map((c) => ({ name: c.name, mean: c.mean, std: c.std })),
    wallMs: o.wallMs,
  };
}

async function buildSteps(
  store: Store, req: BuildRequest, config: TaskConfig, jobId: number, options: BuildOptions, onSnapshot: (id: number) => void, t0: number,
): Promise<BuildOutcome> {
  const registry = new Registry(store);
  const repo = store.lifecycle;
  const progress = (p: BuildProgress): void => options.onProgress?.(p);
  const where = `task '${req.taskId}' (${scopeKey(req.scope)})`;

  progress({ stage: 'snapshot', done: 0, total: 0 });
  let snapshot: Snapshot;
  try {
    snapshot = (await registry.snapshots.create({ taskId: req.taskId, scope: req.scope, createdBy: req.actor })).snapshot;
  } catch (e) {
    if (e instanceof CuratorError && e.code === 'EMPTY_INPUT') throw new Skip(`${where} has no resolved label yet`);
    throw e;
  }
  onSnapshot(snapshot.id);
  await store.activity.updateJob(jobId, { snapshotId: snapshot.id });
  const minimum = config.minLabels[req.scope.kind];
  if (snapshot.size < minimum) throw new Skip(`${where} has ${snapshot.size} resolved labels; a ${req.scope.kind} model needs at least ${minimum}`);
  const counts = Object.values(snapshot.labelCounts);
  if (counts.length < 2) throw new Skip(`${where} has labels of one class only (${Object.keys(snapshot.labelCounts).join(', ')})`);

  const items = await registry.snapshots.items(snapshot.id);
  const docs = await repo.documentsByIds(items.map((i) => i.documentId));
  const texts = items.map((i) => docs.get(i.documentId)?.content ?? '');
  const y = items.map((i) => i.label);

  // Fewer folds than configured when a class is too small to appear in each (small user scopes).
  const nFolds = Math.max(2, Math.min(config.cv.folds, Math.min(...counts)));
  const folds = new StratifiedKFold({ nSplits: nFolds, shuffle: true, randomState: config.cv.seed }).split(texts, y);
  const candidates = expandCandidates(config.candidates);
  const X = analyzeOnce(candidates, texts);

  // The champion, and which snapshot documents it never trained on (the paired comparison's ground).
  const champion = await loadChampion(registry, req);
  let fresh: Uint8Array | undefined;
  let championPred: Map<number, string> | undefined;
  if (champion !== undefined) {
    const seen = champion.model.snapshotId === null ? new Set<number>() : new Set((await registry.snapshots.items(champion.model.snapshotId)).map((i) => i.documentId));
    fresh = Uint8Array.from(items, (i) => (seen.has(i.documentId) ? 0 : 1));
    const idx = items.flatMap((_, k) => (fresh![k] ? [k] : []));
    const pred = idx.length === 0 ? [] : champion.pipeline.predict(idx.map((k) => texts[k]!));
    championPred = new Map(idx.map((k, j) => [k, pred[j]!]));
  }

  const scoring = scorersFor(config, Object.keys(snapshot.labelCounts));
  const perFold: ReturnType<typeof crossValidateCandidates>[] = [];
  const freshScores = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  const total = folds.length * candidates.length;
  for (let k = 0; k < folds.length; k++) {
    const fold = folds[k]!;
    const foldScoring: Record<string, Scorer> = { ...scoring };
    if (fresh !== undefined) foldScoring['__fresh'] = freshScorer(config.primaryMetric, fold, fresh);
    const r = crossValidateCandidates(candidates, X, y, {
      cv: [fold],
      scoring: foldScoring,
      onProgress: (done, _t, candidate) => progress({ stage: 'cv', done: k * candidates.length + done, total, fold: k + 1, folds: folds.length, candidate }),
    });
    perFold.push(r);
    if (fresh !== undefined) for (const c of candidates) freshScores.get(c.name)!.push(r.results[c.name]!.testScores['__fresh']![0]!);
    await store.activity.updateJob(jobId, { progress: ((k + 1) / folds.length) * 0.9 });
  }
  const foldValues = (name: string, metric: string): number[] => perFold.map((r) => r.results[name]!.testScores[metric]![0]!);
  const ranked = candidates
    .map((c) => ({ name: c.name, ...meanStd(foldValues(c.name, config.primaryMetric)) }))
    .map((s) => ({ ...s, mean: Number.isNaN(s.mean) ? -Infinity : s.mean }))
    .sort((a, b) => b.mean - a.mean);
  const winner = candidates.find((c) => c.name === ranked[0]!.name)!;

  progress({ stage: 'fit', done: total, total, candidate: winner.name });
  const tf = performance.now();
  const pipeline = winner.make().fit(X, y);
  const fitMs = performance.now() - tf;

  progress({ stage: 'evaluate', done: total, total, candidate: winner.name });
  const evaluations = cvEvaluations(scoring, (metric) => foldValues(winner.name, metric), perFold.map((r) => r.results[winner.name]!));
  evaluations.push(...(await fullDatasetEvaluations(store, req.taskId, pipeline, config)));

  progress({ stage: 'register', done: total, total, candidate: winner.name });
  const blob = saveModel(pipeline);
  const existing = await store.models.findByBlob(req.taskId, req.scope, sha256OfBytes(blob));
  // An earlier attempt of this job registered it and then stopped (its process died): carry on
  // from there, so the promotion decision is not lost.
  const resumed = existing !== undefined && existing.jobId === jobId;
  if (existing !== undefined && !resumed) throw new Skip(`${where}: the winner ${winner.name} is identical to model #${existing.id} (same labelled data, same candidate)`);
  const model = resumed ? existing : await registry.models.register({
    taskId: req.taskId,
    scope: req.scope,
    estimator: winner.estimator,
    hyperparameters: { candidate: winner.name, tfidf: winner.hyperparameters.tfidf, clf: winner.hyperparameters.clf, cv: { folds: folds.length, seed: config.cv.seed } },
    buildTimeMs: fitMs,
    score: ranked[0]!.mean,
    scoreMetric: config.primaryMetric,
    formatVersion: MODEL_FILE_VERSION,
    blob,
    evaluations,
    snapshotId: snapshot.id,
    jobId,
    parentId: champion?.model.id ?? null,
    createdBy: req.actor,
  });

  progress({ stage: 'promote', done: total, total, candidate: winner.name });
  let decision: BuildDecision;
  if (resumed && champion?.model.id === model.id) {
    decision = { promote: true, reason: `promoted by an earlier attempt of job #${jobId}` };
  } else if (champion === undefined) {
    decision = { promote: true, reason: `first model of ${where}${req.reason ? ` (${req.reason})` : ''}` };
  } else {
    const paired: PairedFold[] = folds.map((fold, k) => {
      const idx = Array.from(fold.test).filter((i) => fresh![i] === 1);
      const champ = idx.length === 0 ? NaN : metricOf(config.primaryMetric, champion.classes, idx.map((i) => y[i]!), idx.map((i) => championPred!.get(i)!));
      return { challenger: freshScores.get(winner.name)![k]!, champion: champ, documents: idx.length };
    });
    decision = decidePromotion(config.primaryMetric, config.promotion.margin, champion.model.id, paired);
    const now = await registry.promotions.activeAt(req.taskId, req.scope);
    if (decision.promote && now?.id !== champion.model.id) {
      decision = { ...decision, promote: false, reason: `the champion changed during the build (#${champion.model.id} → #${now?.id ?? 'none'}); not promoted` };
    }
  }
  if (decision.promote && champion?.model.id !== model.id) await registry.promotions.promote({ taskId: req.taskId, modelId: model.id, actor: req.actor, reason: decision.reason });
  const promotedModel = decision.promote ? await registry.models.get(model.id) : model;
  return {
    status: 'built', taskId: req.taskId, scope: req.scope, jobId, snapshot, model: promotedModel, candidates: ranked, folds: folds.length,
    promoted: decision.promote, decision, wallMs: performance.now() - t0,
  };
}

/** Tokenizes once when every candidate's vectorizer analyzes the same way (each fold still fits its own vocabulary). */
export function analyzeOnce(candidates: readonly ExpandedCandidate[], texts: readonly string[]): TextInput {
  const keys = new Set(candidates.map((c) => (c.make().steps[0]![1] as unknown as { analyze(t: string[]): { analyzerKey: string } }).analyze([]).analyzerKey));
  return keys.size === 1 ? candidates[0]!.make().analyze(texts) : texts;
}

async function loadChampion(registry: Registry, req: BuildRequest): Promise<{ model: Model; pipeline: Pipeline; classes: readonly string[] } | undefined> {
  const model = await registry.promotions.activeAt(req.taskId, req.scope);
  if (model === null) return undefined;
  try {
    const { estimator: pipeline } = await registry.models.loadEstimator(model.id, { expect: 'Pipeline' });
    return { model, pipeline, classes: pipeline.classes };
  } catch {
    // A champion that cannot be loaded (quarantined, blob retired) cannot defend its place.
    return undefined;
  }
}

/**
 * The scorers of every fold: the primary metric, the usual averages, precision/recall/F1 per
 * label, and one count per (true, predicted) label pair — the fold's part of the out-of-fold
 * confusion matrix, registered as `confusion` evaluations (src/registry/confusion.ts).
 */
export function scorersFor(config: TaskConfig, labels: readonly string[]): Record<string, Scorer> {
  const out: Record<string, Scorer> = {};
  for (const name of [config.primaryMetric, 'accuracy', 'precision_macro', 'recall_macro', 'f1_macro']) out[name] ??= getScorer(name);
  const sorted = [...labels].sort();
  for (const label of sorted) {
    const opts = { labels: [label], average: 'macro' as const, zeroDivision: 0 as const };
    out[`precision:${label}`] = makeScorer(precisionScore, opts, { name: `precision:${label}` });
    out[`recall:${label}`] = makeScorer(recallScore, opts, { name: `recall:${label}` });
    out[`f1:${label}`] = makeScorer(f1Score, opts, { name: `f1:${label}` });
  }
  if (sorted.length <= MAX_CONFUSION_LABELS) {
    for (const t of sorted) {
      for (const p of sorted) {
        const cell = confusionCell(t, p);
        out[`${CV_CONFUSION}:${cell}`] = new Scorer(`${CV_CONFUSION}:${cell}`, true, 'predict', (pred, yTrue) => cellCounts(pred, yTrue).get(cell) ?? 0);
      }
    }
  }
  return out;
}

// The k² cell scorers of a fold share one count of its (true, predicted) pairs.
const countsOf = new WeakMap<Predictions<unknown>, Map<string, number>>();
function cellCounts(p: Predictions<unknown>, yTrue: readonly unknown[]): Map<string, number> {
  let counts = countsOf.get(p);
  if (counts === undefined) {
    counts = new Map();
    const pred = p.predict();
    for (let i = 0; i < yTrue.length; i++) {
      const cell = confusionCell(String(yTrue[i]), String(pred[i]));
      counts.set(cell, (counts.get(cell) ?? 0) + 1);
    }
    countsOf.set(p, counts);
  }
  return counts;
}

/** The primary metric of a fold's test part restricted to the documents the champion never saw (NaN when none). */
export function freshScorer(metric: string, fold: Fold, fresh: Uint8Array): Scorer {
  return new Scorer('__fresh', true, 'predict', (p, yTrue) => {
    const pred = p.predict();
    const yt: string[] = [];
    const yp: string[] = [];
    for (let i = 0; i < fold.test.length; i++) {
      if (fresh[fold.test[i]!] === 1) {
        yt.push(String(yTrue[i]));
        yp.push(String(pred[i]));
      }
    }
    return yt.length === 0 ? NaN : metricOf(metric, (p.estimator.classes ?? []).map(String), yt, yp);
  });
}

export function cvEvaluations(scoring: Record<string, Scorer>, values: (metric: string) => number[], results: readonly { fitTime: number[]; scoreTime: number[] }[]): Evaluation[] {
  const out: Evaluation[] = [];
  for (const key of Object.keys(scoring)) {
    const foldValues = values(key);
    const { mean, std } = meanStd(foldValues);
    const colon = key.indexOf(':');
    out.push({ metric: colon < 0 ? key : key.slice(0, colon), label: colon < 0 ? null : key.slice(colon + 1), mean, std, foldValues });
  }
  for (const [metric, pick] of [['fit_time_s', 'fitTime'], ['score_time_s', 'scoreTime']] as const) {
    const foldValues = results.map((r) => r[pick][0]!);
    out.push({ metric, label: null, ...meanStd(foldValues), foldValues });
  }
  return out;
}

/**
 * The fitted model on the task's full labelled corpus (global label resolution): recorded as
 * `full_<metric>` evaluations, one value each, and its confusion matrix as `full_confusion`
 * cells. For a global model this is its training data.
 */
export async function fullDatasetEvaluations(store: Store, taskId: string, pipeline: Pipeline, config: TaskConfig): Promise<Evaluation[]> {
  const experts = new Set(await store.corpus.expertUserIds());
  const resolved = resolveLabels(await store.corpus.taskAnnotations(taskId), { kind: 'majority', experts });
  if (resolved.length === 0) return [];
  const docs = await store.lifecycle.documentsByIds(resolved.map((r) => r.documentId));
  const yTrue = resolved.map((r) => r.label);
  const yPred = pipeline.predict(resolved.map((r) => docs.get(r.documentId)?.content ?? ''));
  const classes = pipeline.classes;
  const out: Evaluation[] = [];
  for (const metric of new Set([config.primaryMetric, 'accuracy', 'precision_macro', 'recall_macro', 'f1_macro'])) {
    const v = metricOf(metric, classes, yTrue, yPred);
    out.push({ metric: `full_${metric}`, label: null, mean: v, std: 0, foldValues: [v] });
  }
  // Every label the corpus or the model knows, so the matrix counts every evaluated document.
  const cm = confusionMatrix(yTrue, yPred, { labels: [...new Set([...classes, ...yTrue])].sort() });
  out.push(...fullConfusionEvaluations(cm.labels.map(String), cm.matrix));
  return out;
}
