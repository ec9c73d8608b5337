/*
 * A build cut into the three stages of a distributed build, each a function of the store and
 * its input only (what a BullMQ job carries), so any worker can run any of them and run it
 * again: plan (snapshot, folds, candidates, champion, pinned for the rest), cells (cross-
 * validation of some candidates on some folds) and fan-in (rank, fit the winner, evaluate,
 * register once, promotion policy). `runBuild` does the same steps in one piece.
 */
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { analyzeOnce, cvEvaluations, freshScorer, fullDatasetEvaluations, jobResult, scorersFor, type BuildDecision, type BuildOutcome } from '../lifecycle/build.ts';
import { expandCandidates, type ExpandedCandidate } from '../lifecycle/candidates.ts';
import { decidePromotion, metricOf, type PairedFold } from '../lifecycle/promotion-policy.ts';
import { scopeKey } from '../lifecycle/scope-key.ts';
import { taskConfigOf, configJson, type TaskConfig } from '../lifecycle/task-config.ts';
import type { Json, TextInput } from '../ml/base/types.ts';
import { CuratorError } from '../ml/errors.ts';
import { crossValidateCandidates } from '../ml/model-selection/cross-validate-candidates.ts';
import { meanStd } from '../ml/model-selection/cross-validate.ts';
import type { Fold } from '../ml/model-selection/splitter.ts';
import { StratifiedKFold } from '../ml/model-selection/stratified-k-fold.ts';
import { MODEL_FILE_VERSION, saveModel } from '../ml/persist/model-file.ts';
import type { Scorer } from '../ml/metrics/scorer.ts';
import { Registry, sha256OfBytes, type Model } from '../registry/index.ts';
import type { Scope, Store, Task } from '../store/index.ts';
import type { Granularity } from './bullmq-queues.ts';

/** The request part of a build, as JSON. */
export interface PlainRequest {
  readonly taskId: string;
  readonly scope: Scope;
  readonly actor: string;
  readonly reason: string;
}

/** What the plan stage fixes for every later stage of one build. */
export interface BuildPlan {
  readonly jobId: number;
  readonly request: PlainRequest;
  readonly labels: readonly string[];
  /** The task's config as it was at planning time (a change later does not mix into this build). */
  readonly config: Record<string, Json>;
  readonly snapshotId: number;
  /** Labels present in the snapshot (per-label scorers). */
  readonly snapshotLabels: readonly string[];
  readonly folds: number;
  readonly candidates: readonly string[];
  readonly champion: { readonly modelId: number; readonly snapshotId: number | null } | null;
  /** Epoch ms the build started (wall time of the outcome). */
  readonly startedAt: number;
}

/** One sub-job of the fan-out: these candidates on these folds (0-based). */
export interface CellSpec {
  readonly candidates: readonly string[];
  readonly folds: readonly number[];
}

/** One (candidate, fold) result; NaN scores travel as null (JSON). */
export interface CellScore {
  readonly candidate: string;
  readonly fold: number;
  readonly scores: Readonly<Record<string, number | null>>;
  readonly fitTime: number;
  readonly scoreTime: number;
}

/** What the plan stage decided. */
export type PlanResult =
  | { readonly kind: 'skipped'; readonly reason: string; readonly snapshotId: number | null }
  | { readonly kind: 'planned'; readonly plan: BuildPlan; readonly cells: readonly CellSpec[] };

/** A fan-in's result as JSON (the full outcome is read back from the `jobs` row and the registry). */
export interface FanInResult {
  readonly modelId: number;
  readonly promoted: boolean;
  readonly resumed: boolean;
}

/** Plan: starts the job row, freezes the snapshot, decides folds and candidates, and cuts the fan-out. */
export async function planBuild(store: Store, jobId: number, req: PlainRequest, attempt: number, granularity: Granularity): Promise<PlanResult> {
  const task = await store.corpus.getTask(req.taskId);
  if (task === undefined) throw new CuratorError('NOT_FOUND', `build: no task '${req.taskId}'`, { field: 'taskId' });
  const config = taskConfigOf(task);
  const startedAt = new Date();
  await store.activity.updateJob(jobId, { status: 'running', startedAt, attempts: attempt });
  const registry = new Registry(store);
  const where = `task '${req.taskId}' (${scopeKey(req.scope)})`;
  const skip = async (reason: string, snapshotId: number | null): Promise<PlanResult> => {
    await store.activity.updateJob(jobId, { status: 'succeeded', progress: 1, finishedAt: new Date(), result: { skipped: reason }, snapshotId });
    return { kind: 'skipped', reason, snapshotId };
  };
  let snapshot;
  try {
    snapshot = (await registry.snapshots.create({ taskId: req.taskId, scope: req.scope, createdBy: req.actor })).snapshot;
  } catch (e) {
    if (e instanceof CuratorError && e.code === 'EMPTY_INPUT') return skip(`${where} has no resolved label yet`, null);
    throw e;
  }
  await store.activity.updateJob(jobId, { snapshotId: snapshot.id });
  const minimum = config.minLabels[req.scope.kind];
  if (snapshot.size < minimum) return skip(`${where} has ${snapshot.size} resolved labels; a ${req.scope.kind} model needs at least ${minimum}`, snapshot.id);
  const counts = Object.values(snapshot.labelCounts);
  if (counts.length < 2) return skip(`${where} has labels of one class only (${Object.keys(snapshot.labelCounts).join(', ')})`, snapshot.id);

  const folds = Math.max(2, Math.min(config.cv.folds, Math.min(...counts)));
  const candidates = expandCandidates(config.candidates).map((c) => c.name);
  const active = await registry.promotions.activeAt(req.taskId, req.scope);
  const plan: BuildPlan = {
    jobId, request: req, labels: task.labels, config: configJson(config), snapshotId: snapshot.id, snapshotLabels: Object.keys(snapshot.labelCounts),
    folds, candidates, champion: active === null ? null : { modelId: active.id, snapshotId: active.snapshotId }, startedAt: startedAt.getTime(),
  };
  return { kind: 'planned', plan, cells: cutCells(candidates, folds, granularity) };
}

/** The fan-out of a build at a granularity. */
export function cutCells(candidates: readonly string[], folds: number, granularity: Granularity): CellSpec[] {
  const all = Array.from({ length: folds }, (_, k) => k);
  if (granularity === 'fold') return all.map((k) => ({ candidates: [...candidates], folds: [k] }));
  if (granularity === 'candidate') return candidates.map((c) => ({ candidates: [c], folds: all }));
  return candidates.flatMap((c) => all.map((k) => ({ candidates: [c], folds: [k] })));
}

/** A build's data as a worker needs it, kept for the next sub-job of the same build. */
interface Prepared {
  readonly key: string;
  readonly config: TaskConfig;
  readonly candidates: readonly ExpandedCandidate[];
  readonly itemIds: readonly number[];
  readonly texts: readonly string[];
  readonly y: readonly string[];
  readonly X: TextInput;
  readonly folds: readonly Fold[];
  /** 1 where the champion never saw the document (paired comparison), when there is a champion. */
  readonly fresh: Uint8Array | undefined;
  readonly prepareMs: number;
}

/**
 * Loads and tokenizes a plan's snapshot, reusing what the last few sub-jobs of the same build
 * prepared in this process (a worker running several folds of a build tokenizes once).
 */
export class PreparedCache {
  private readonly entries = new Map<string, Promise<Prepared>>();

  constructor(private readonly size = 2) {}

  /** Hits: sub-jobs that found their build's data prepared by an earlier one in this process. */
  hits = 0;

  get(store: Store, plan: BuildPlan): Promise<Prepared> {
    const key = `${plan.jobId}:${plan.snapshotId}`;
    let p = this.entries.get(key);
    if (p !== undefined) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, p);
      return p;
    }
    p = prepare(store, plan, key);
    p.catch(() => this.entries.delete(key));
    this.entries.set(key, p);
    while (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    return p;
  }
}

function configOf(plan: BuildPlan): TaskConfig {
  const task: Task = { id: plan.request.taskId, description: '', labels: plan.labels, inputKind: 'text', config: plan.config, createdAt: new Date(0) };
  return taskConfigOf(task);
}

async function prepare(store: Store, plan: BuildPlan, key: string): Promise<Prepared> {
  const t0 = performance.now();
  const snapshot = await store.snapshots.get(plan.snapshotId);
  if (snapshot === undefined) {
    throw new CuratorError('NOT_FOUND', `build job #${plan.jobId}: snapshot #${plan.snapshotId} no longer exists (deleted while the build was queued)`, { field: 'snapshotId' });
  }
  const config = configOf(plan);
  const registry = new Registry(store);
  const items = await registry.snapshots.items(plan.snapshotId);
  const docs = await store.lifecycle.documentsByIds(items.map((i) => i.documentId));
  const texts = items.map((i) => docs.get(i.documentId)?.content ?? '');
  const y = items.map((i) => i.label);
  const folds = new StratifiedKFold({ nSplits: plan.folds, shuffle: true, randomState: config.cv.seed }).split(texts, y);
  const candidates = expandCandidates(config.candidates).filter((c) => plan.candidates.includes(c.name));
  const X = analyzeOnce(candidates, texts);
  let fresh: Uint8Array | undefined;
  if (plan.champion !== null) {
    const seenIds = plan.champion.snapshotId === null || (await store.snapshots.get(plan.champion.snapshotId)) === undefined ? [] : (await registry.snapshots.items(plan.champion.snapshotId)).map((i) => i.documentId);
    const seen = new Set(seenIds);
    fresh = Uint8Array.from(items, (i) => (seen.has(i.documentId) ? 0 : 1));
  }
  return { key, config, candidates, itemIds: items.map((i) => i.documentId), texts, y, X, folds, fresh, prepareMs: performance.now() - t0 };
}

/**
 * Cross-validates a cell's candidates on its folds. Between folds the event loop gets a turn,
 * so BullMQ can renew the job's lock (a fold's fits run synchronously).
 */
export async function runCells(
  store: Store, cache: PreparedCache, plan: BuildPlan, cell: CellSpec, onCell: (candidate: string, fold: number) => void,
): Promise<{ scores: CellScore[]; prepareMs: number; cvMs: number }> {
  const hits = cache.hits;
  const p = await cache.get(store, plan);
  const prepareMs = cache.hits > hits ? 0 : p.prepareMs;
  const members = p.candidates.filter((c) => cell.candidates.includes(c.name));
  if (members.length !== cell.candidates.length) {
    throw new CuratorError('INVALID_STATE', `build job #${plan.jobId}: candidates ${cell.candidates.filter((n) => !members.some((m) => m.name === n)).join(', ')} are not in the plan`, { field: 'candidates' });
  }
  const scoring = scorersFor(p.config, plan.snapshotLabels);
  const out: CellScore[] = [];
  const t0 = performance.now();
  for (const k of cell.folds) {
    const fold = p.folds[k];
    if (fold === undefined) throw new CuratorError('INVALID_STATE', `build job #${plan.jobId}: no fold ${k} of ${p.folds.length}`, { field: 'folds' });
    const foldScoring: Record<string, Scorer> = { ...scoring };
    if (p.fresh !== undefined) foldScoring['__fresh'] = freshScorer(p.config.primaryMetric, fold, p.fresh);
    const r = crossValidateCandidates(members, p.X, p.y, { cv: [fold], scoring: foldScoring, onProgress: (_d, _t, candidate) => onCell(candidate, k) });
    for (const c of members) {
      const res = r.results[c.name]!;
      const scores: Record<string, number | null> = {};
      for (const [metric, values] of Object.entries(res.testScores)) scores[metric] = Number.isNaN(values[0]!) ? null : values[0]!;
      out.push({ candidate: c.name, fold: k, scores, fitTime: res.fitTime[0]!, scoreTime: res.scoreTime[0]! });
    }
    await yieldLoop();
  }
  return { scores: out, prepareMs, cvMs: performance.now() - t0 };
}

/**
 * Fan-in: ranks the candidates on every fold's scores, fits the winner on the whole snapshot,
 * evaluates it, registers it once per build (a second run of this stage, after a crash or in
 * parallel after a lost lock, finds the first run's model and carries on with it), applies the
 * promotion policy and finishes the job row.
 */
export async function finishBuild(
  store: Store, cache: PreparedCache, plan: BuildPlan, cells: readonly CellScore[], onStage: (stage: 'fit' | 'evaluate' | 'register' | 'promote', candidate: string) => void,
): Promise<{ outcome: BuildOutcome; result: FanInResult }> {
  const p = await cache.get(store, plan);
  const config = p.config;
  const registry = new Registry(store);
  const req = plan.request;
  const where = `task '${req.taskId}' (${scopeKey(req.scope)})`;
  const table = new Map<string, CellScore>();
  for (const c of cells) table.set(`${c.candidate}\u0000${c.fold}`, c);
  const cell = (name: string, k: number): CellScore => {
    const c = table.get(`${name}\u0000${k}`);
    if (c === undefined) throw new CuratorError('INVALID_STATE', `build job #${plan.jobId}: no cross-validation result for ${name} on fold ${k + 1}`, { field: 'cells' });
    return c;
  };
  const foldIdx = p.folds.map((_, k) => k);
  const foldValues = (name: string, metric: string): number[] => foldIdx.map((k) => cell(name, k).scores[metric] ?? NaN);
  const ranked = p.candidates
    .map((c) => ({ name: c.name, ...meanStd(foldValues(c.name, config.primaryMetric)) }))
    .map((s) => ({ ...s, mean: Number.isNaN(s.mean) ? -Infinity : s.mean }))
    .sort((a, b) => b.mean - a.mean);
  const winner = p.candidates.find((c) => c.name === ranked[0]!.name)!;

  onStage('fit', winner.name);
  const tf = performance.now();
  const pipeline = winner.make().fit(p.X, p.y);
  const fitMs = performance.now() - tf;
  await yieldLoop();

  onStage('evaluate', winner.name);
  const scoring = scorersFor(config, plan.snapshotLabels);
  const evaluations = cvEvaluations(scoring, (metric) => foldValues(winner.name, metric), foldIdx.map((k) => ({ fitTime: [cell(winner.name, k).fitTime], scoreTime: [cell(winner.name, k).scoreTime] })));
  evaluations.push(...(await fullDatasetEvaluations(store, req.taskId, pipeline, config)));
  await yieldLoop();

  onStage('register', winner.name);
  const blob = saveModel(pipeline);
  const existing = await store.models.findByBlob(req.taskId, req.scope, sha256OfBytes(blob));
  if (existing !== undefined && existing.jobId !== plan.jobId) {
    const reason = `${where}: the winner ${winner.name} is identical to model #${existing.id} (same labelled data, same candidate)`;
    await store.activity.updateJob(plan.jobId, { status: 'succeeded', progress: 1, finishedAt: new Date(), result: { skipped: reason } });
    return { outcome: { status: 'skipped', taskId: req.taskId, scope: req.scope, jobId: plan.jobId, snapshotId: plan.snapshotId, reason }, result: { modelId: existing.id, promoted: false, resumed: false } };
  }
  let model: Model | undefined = existing;
  let resumed = existing !== undefined;
  if (model === undefined) {
    try {
      model = await registry.models.register({
        taskId: req.taskId, scope: req.scope, estimator: winner.estimator,
        hyperparameters: { candidate: winner.name, tfidf: winner.hyperparameters.tfidf, clf: winner.hyperparameters.clf, cv: { folds: p.folds.length, seed: config.cv.seed } },
        buildTimeMs: fitMs, score: ranked[0]!.mean, scoreMetric: config.primaryMetric, formatVersion: MODEL_FILE_VERSION, blob, evaluations,
        snapshotId: plan.snapshotId, jobId: plan.jobId, parentId: plan.champion?.modelId ?? null, createdBy: req.actor,
      });
    } catch (error) {
      // A parallel run of this fan-in registered first (unique build/candidate key, migration 0006).
      if (!(error instanceof CuratorError && error.code === 'ALREADY_EXISTS')) throw error;
      model = await modelOfJob(store, req.taskId, req.scope, plan.jobId);
      if (model === undefined) throw error;
      resumed = true;
    }
  }

  onStage('promote', winner.name);
  const now = await registry.promotions.activeAt(req.taskId, req.scope);
  let decision: BuildDecision;
  let promoteNow = false;
  if (now?.id === model.id) {
    decision = { promote: true, reason: `promoted by an earlier run of job #${plan.jobId}` };
  } else if (plan.champion === null) {
    decision = { promote: true, reason: `first model of ${where}${req.reason ? ` (${req.reason})` : ''}` };
    promoteNow = now === null;
    if (!promoteNow) {
      decision = { promote: false, reason: `a model (#${now!.id}) was promoted during the build; not promoted`, metric: config.primaryMetric, folds: 0, documents: 0, meanDelta: null, wins: 0, ties: 0, losses: 0 };
    }
  } else {
    const d = await paired(registry, plan, p, config, winner.name, foldValues);
    decision = d.promote && now?.id !== plan.champion.modelId && 'metric' in d
      ? { ...d, promote: false, reason: `the champion changed during the build (#${plan.champion.modelId} → #${now?.id ?? 'none'}); not promoted` }
      : d;
    promoteNow = decision.promote;
  }
  if (promoteNow) {
    try {
      await registry.promotions.promote({ taskId: req.taskId, modelId: model.id, actor: req.actor, reason: decision.reason });
    } catch (error) {
      // A parallel run promoted it a moment ago.
      if (!(error instanceof CuratorError && error.code === 'INVALID_STATE' && (await registry.promotions.activeAt(req.taskId, req.scope))?.id === model.id)) throw error;
    }
  }
  const promotedModel = decision.promote ? ((await registry.models.get(model.id)) ?? model) : model;
  const snapshot = (await store.snapshots.get(plan.snapshotId))!;
  const outcome: BuildOutcome = {
    status: 'built', taskId: req.taskId, scope: req.scope, jobId: plan.jobId, snapshot, model: promotedModel, candidates: ranked, folds: p.folds.length,
    promoted: decision.promote, decision, wallMs: Date.now() - plan.startedAt,
  };
  await store.activity.updateJob(plan.jobId, { status: 'succeeded', progress: 1, finishedAt: new Date(), result: jobResult(outcome) as Json, snapshotId: plan.snapshotId });
  return { outcome, result: { modelId: model.id, promoted: decision.promote, resumed } };
}

/** The promotion policy on paired folds: the winner against the champion on documents the champion never saw. */
async function paired(
  registry: Registry, plan: BuildPlan, p: Prepared, config: TaskConfig, winner: string, foldValues: (name: string, metric: string) => number[],
): Promise<BuildDecision> {
  const championId = plan.champion!.modelId;
  let pipeline;
  try {
    ({ estimator: pipeline } = await registry.models.loadEstimator(championId, { expect: 'Pipeline' }));
  } catch {
    // A champion that cannot be loaded (quarantined, blob retired) cannot defend its place.
    return { promote: true, reason: `the champion #${championId} cannot be loaded; replaced` };
  }
  const fresh = p.fresh!;
  const idx = p.itemIds.flatMap((_, k) => (fresh[k] ? [k] : []));
  const pred = idx.length === 0 ? [] : pipeline.predict(idx.map((k) => p.texts[k]!));
  const championPred = new Map(idx.map((k, j) => [k, pred[j]!]));
  const challenger = foldValues(winner, '__fresh');
  const folds: PairedFold[] = p.folds.map((fold, k) => {
    const test = Array.from(fold.test).filter((i) => fresh[i] === 1);
    const champ = test.length === 0 ? NaN : metricOf(config.primaryMetric, pipeline.classes, test.map((i) => p.y[i]!), test.map((i) => championPred.get(i)!));
    return { challenger: challenger[k]!, champion: champ, documents: test.length };
  });
  return decidePromotion(config.primaryMetric, config.promotion.margin, championId, folds);
}

/** The model a build registered (the unique build/candidate key allows one per candidate). */
async function modelOfJob(store: Store, taskId: string, scope: Scope, jobId: number): Promise<Model | undefined> {
  const job = await store.activity.getJob(jobId);
  const models = await store.models.listAll({ taskId, scope, ...(job === undefined ? {} : { createdFrom: job.createdAt }) });
  return models.find((m) => m.jobId === jobId);
}
