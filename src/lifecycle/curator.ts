import { newPredictionId } from './prediction-id.ts';
import { CuratorError } from '../ml/errors.ts';
import { Registry } from '../registry/index.ts';
import {
  GLOBAL, openStore,
  type Annotation, type CorpusDocument, type Feedback, type Group, type Scope, type Store, type Task, type User,
} from '../store/index.ts';
import type { BuildOutcome, BuildProgress } from './build.ts';
import { defaultBuildRunner, type JobsConfig } from '../jobs/default-build-runner.ts';
import type { BuildRunner, RecoveredBuild } from './build-runner.ts';
import { ModelCache } from './model-cache.ts';
import type { ModelChangeBus } from './model-change-bus.ts';
import { PredictionLog, type PredictionLogOptions, type PredictionLogStats } from './prediction-log.ts';
import { scopeKey } from './scope-key.ts';
import { EnsembleSelection, FallbackSelection, voteWeight, type Available, type SelectionPolicy } from './selection.ts';
import type { ServedModel } from './served-model.ts';
import { checkLabels, configJson, resolveTaskConfig, taskConfigOf, type TaskConfig, type TaskDefinition, type TriggerRule } from './task-config.ts';
import type { JobEngine, JobEvent } from '../jobs/job-engine.ts';
import { Monitor, type ModelMonitorReport, type MonitorOptions } from './monitor/monitor.ts';
import { TriggerEngine, type FiringResult, type TriggerEngineOptions } from './triggers/trigger-engine.ts';
import { type DetailedTriggerEvent } from '../store/trigger-monitor-repo.ts';

/** Options of {@link createCurator}. */
export interface CuratorConfig {
  /** An open store, or a URL for `openStore` (`sqlite:./data/curator.db`, `sqlite::memory:`, `postgres://…`). */
  readonly store: Store | string;
  readonly predictionLog?: PredictionLogOptions;
  /** How builds run (default: from `jobs`). */
  readonly buildRunner?: BuildRunner;
  /**
   * The build engine when no `buildRunner` is given: worker threads over a durable job table for
   * a database URL (builds a crashed process left are retried at creation), in process for an
   * open Store or `sqlite::memory:` (one connection, which worker threads cannot share).
   */
  readonly jobs?: JobsConfig;
  /** Trigger engine: clock, schedule timer period, growth checks (see TriggerEngineOptions). */
  readonly triggers?: TriggerEngineOptions;
  /** Decay monitoring: clock (default: the triggers' clock), how often windows are written. */
  readonly monitor?: MonitorOptions;
  /**
   * Where promotions, rollbacks and retirements are announced to every Curator instance (and
   * heard from them): `invalidate` publishes, and each message makes this curator re-read the
   * active models of the task. Without one, only this curator's own builds and `invalidate`
   * calls refresh its cache. See `openModelChangeBus` (PostgreSQL, Redis, in-process).
   */
  readonly modelChanges?: ModelChangeBus;
}

/** A document to add: its text and optional bookkeeping. */
export interface DocumentInput {
  readonly content: string;
  readonly externalId?: string;
  readonly authorId?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly createdAt?: Date;
}

/** One user's label for one document. */
export interface AnnotationInput {
  readonly documentId: number;
  readonly userId: string;
  readonly label: string;
  readonly at?: Date;
}

/** The true label of a logged prediction. */
export interface FeedbackInput {
  /** The `predictionId` that `predict` answered with. */
  readonly predictionId: string;
  readonly label: string;
  readonly userId?: string | null;
  readonly at?: Date;
}

/** Options of `build`. */
export interface BuildCall {
  /** Global when omitted. */
  readonly scope?: Scope;
  readonly actor?: string;
  readonly reason?: string;
  readonly onProgress?: (p: BuildProgress) => void;
  /**
   * Creates the job row before the build runs (called only when this call starts a build, not
   * when it joins a running one), so a trigger firing can record the job it started.
   */
  readonly startJob?: () => Promise<number>;
}

/** Options of `trigger` ("train now"). */
export interface TriggerCall {
  /** Global when omitted. */
  readonly scope?: Scope;
  readonly actor?: string;
  readonly reason?: string;
}

/** Options of `predict`. */
export interface PredictCall {
  /** Who asks: selects their user and group models; global only when omitted. */
  readonly userId?: string;
}

/** What `predict` answers. */
export interface PredictionAnswer {
  /** Name this in `feedback`. */
  readonly predictionId: string;
  readonly label: string;
  /** Per label of the task (predictProba, or a softmax of decision values for classifiers without it). */
  readonly probabilities: Readonly<Record<string, number>>;
  /** The model whose answer decided (for an ensemble, the heaviest member agreeing with the vote). */
  readonly modelId: number;
  /** Every model that took part (one, or the ensemble's members). */
  readonly modelIds: readonly number[];
  /** The scope of the deciding model. */
  readonly scope: Scope;
  readonly policy: 'fallback' | 'ensemble';
  readonly latencyMs: number;
}

interface TaskEntry {
  readonly task: Task;
  readonly config: TaskConfig;
  readonly labels: ReadonlySet<string>;
  readonly policy: SelectionPolicy;
}

/**
 * Creates a curator over a store: the whole model life cycle behind one object.
 *
 * @example
 * const curator = await createCurator({ store: 'sqlite:./data/curator.db' });
 * await curator.createTask({ id: 'spam', labels: ['ham', 'spam'] });
 * const [doc] = await curator.addDocuments('spam', [{ content: 'WIN MONEY NOW' }]);
 * await curator.annotate('spam', { documentId: doc.id, userId: 'ana', label: 'spam' });
 * await curator.build('spam');
 * const answer = await curator.predict('spam', 'cheap pills', { userId: 'ana' });
 * await curator.feedback('spam', { predictionId: answer.predictionId, label: 'spam', userId: 'ana' });
 * await curator.close();
 */
export async function createCurator(config: CuratorConfig): Promise<Curator> {
  if (config === null || typeof config !== 'object') throw new CuratorError('INVALID_ARGUMENT', 'createCurator: config must be an object', { field: 'config' });
  const owned = typeof config.store === 'string';
  const store = typeof config.store === 'string' ? await openStore(config.store) : config.store;
  if (store === null || typeof store !== 'object' || typeof store.transaction !== 'function') {
    throw new CuratorError('INVALID_ARGUMENT', 'createCurator: store must be a Store or a database URL', { field: 'store' });
  }
  const buildRunner = config.buildRunner ?? defaultBuildRunner(store, owned ? (config.store as string) : undefined, config.jobs);
  const curator = new Curator(store, owned, { ...config, buildRunner });
  try {
    await curator.recoverBuilds();
  } catch (error) {
    await curator.close();
    throw error;
  }
  return curator;
}

/**
 * Curator embedded in an application: tasks, the labelled corpus, builds, selection at predict
 * time and the prediction log, everything persisted through the registry and the store.
 * Create it with {@link createCurator}.
 */
export class Curator {
  readonly registry: Registry;
  private readonly cache: ModelCache;
  private readonly log: PredictionLog;
  private readonly runner: BuildRunner;
  private readonly triggerEngine: TriggerEngine;
  private readonly monitorHub: Monitor;
  private readonly tasks = new Map<string, TaskEntry>();
  private readonly groupsOf = new Map<string, readonly string[]>();
  private readonly builds = new Map<string, Promise<BuildOutcome>>();
  private readonly changes: ModelChangeBus | undefined;
  private readonly unlisten: (() => void) | undefined;
  /** The builds {@link recoverBuilds} took over (at creation, and any later call). */
  readonly recovered: RecoveredBuild[] = [];
  private closed = false;

  constructor(
    readonly store: Store,
    private readonly ownsStore: boolean,
    config: CuratorConfig,
  ) {
    this.registry = new Registry(store);
    this.cache = new ModelCache(this.registry);
    // A SQLite file the curator opened itself: its log commits run on a writer thread of their own (see PredictionLogOptions.url).
    const logUrl = typeof config.store === 'string' && config.store.startsWith('sqlite:') && !config.store.endsWith(':memory:') ? config.store : undefined;
    this.log = new PredictionLog(store, { ...(logUrl === undefined ? {} : { url: logUrl }), ...config.predictionLog });
    this.runner = config.buildRunner ?? defaultBuildRunner(store, undefined);
    this.changes = config.modelChanges;
    this.unlisten = this.changes?.subscribe((c) => {
      for (const taskId of c.taskId === null ? [...this.tasks.keys()] : [c.taskId]) this.cache.invalidate(taskId, c.scope);
    });
    this.triggerEngine = new TriggerEngine({
      store,
      taskConfig: async (taskId) => (await this.entry('trigger', taskId)).config,
      eligibleScopes: (taskId) => this.eligibleScopes(taskId),
      groupsOf: async (userId) => (await store.corpus.groupsOf(userId)).map((g) => g.id),
      running: (taskId, scope) => this.builds.get(`${taskId}\u0000${scopeKey(scope)}`),
      build: (taskId, call) => this.build(taskId, call),
    }, config.triggers);
    this.monitorHub = new Monitor({
      store, registry: this.registry,
      task: async (taskId) => {
        const e = await this.entry('monitor', taskId);
        return { labels: e.task.labels, config: e.config };
      },
      alarm: (taskId, scope, reason, detail) => this.triggerEngine.alarm(taskId, scope, reason, detail),
    }, { ...(config.triggers?.clock ? { clock: config.triggers.clock } : {}), ...config.monitor });
  }

  // ── tasks ──────────────────────────────────────────────────────────────────────────────

  /** Defines a task; every setting is checked and defaults filled in before anything is stored. */
  async createTask(def: TaskDefinition): Promise<Task> {
    const fn = 'createTask';
    if (def === null || typeof def !== 'object') throw new CuratorError('INVALID_ARGUMENT', `${fn}: definition must be an object`, { field: 'definition' });
    if (typeof def.id !== 'string' || !/^[\w.-]{1,100}$/.test(def.id)) {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: id must be 1-100 letters, digits, '_', '.', '-'; got ${JSON.stringify(def.id)}`, { field: 'id' });
    }
    const labels = checkLabels(fn, def.labels);
    if (def.inputKind !== undefined && def.inputKind !== 'text') {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: inputKind must be 'text' (tabular tasks are not supported yet); got ${JSON.stringify(def.inputKind)}`, { field: 'inputKind' });
    }
    const config = resolveTaskConfig(def, fn);
    const task = await this.store.corpus.createTask({ id: def.id, labels, description: def.description ?? '', inputKind: 'text', config: configJson(config) });
    return task;
  }

  /** A task with its resolved settings; NOT_FOUND for an unknown task. */
  async task(taskId: string): Promise<{ task: Task; config: TaskConfig }> {
    const e = await this.entry('task', taskId);
    return { task: e.task, config: e.config };
  }

  private async entry(fn: string, taskId: unknown): Promise<TaskEntry> {
    if (typeof taskId !== 'string' || taskId === '') throw new CuratorError('INVALID_ARGUMENT', `${fn}: taskId must be a non-empty string; got ${JSON.stringify(taskId)}`, { field: 'taskId' });
    const hit = this.tasks.get(taskId);
    if (hit !== undefined) return hit;
    const task = await this.store.corpus.getTask(taskId);
    if (task === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no task '${taskId}'`, { field: 'taskId' });
    const config = taskConfigOf(task);
    const policy = config.selection.policy === 'ensemble' ? new EnsembleSelection() : new FallbackSelection(config.selection.floor);
    const entry = { task, config, labels: new Set(task.labels), policy };
    this.tasks.set(taskId, entry);
    return entry;
  }

  /**
   * Replaces a task's trigger rules (checked like createTask's; nothing stored when one is
   * bad). Takes effect for the next annotation, tick or alarm.
   */
  async setTriggers(taskId: string, rules: readonly TriggerRule[]): Promise<TaskConfig> {
    const fn = 'setTriggers';
    const e = await this.entry(fn, taskId);
    const config = resolveTaskConfig({ id: e.task.id, labels: e.task.labels, ...(e.task.config as Partial<TaskDefinition>), triggers: rules }, fn);
    if (!(await this.store.listing.setTaskConfig(e.task.id, configJson(config)))) throw new CuratorError('NOT_FOUND', `${fn}: no task '${e.task.id}'`, { field: 'taskId' });
    this.tasks.delete(e.task.id);
    return config;
  }

  // ── people ─────────────────────────────────────────────────────────────────────────────

  async addUser(id: string, displayName = ''): Promise<User> {
    if (typeof id !== 'string' || id.trim() === '') throw new CuratorError('INVALID_ARGUMENT', `addUser: id must be a non-empty string; got ${JSON.stringify(id)}`, { field: 'id' });
    return this.store.corpus.createUser(id, displayName);
  }

  /** A group; an expert group's labels win label resolution. */
  async addGroup(id: string, options: { expert?: boolean; description?: string } = {}): Promise<Group> {
    if (typeof id !== 'string' || id.trim() === '') throw new CuratorError('INVALID_ARGUMENT', `addGroup: id must be a non-empty string; got ${JSON.stringify(id)}`, { field: 'id' });
    return this.store.corpus.createGroup(id, options);
  }

  async addMember(userId: string, groupId: string): Promise<void> {
    await this.store.corpus.addMember(userId, groupId);
    this.groupsOf.delete(userId);
  }

  // ── data in ────────────────────────────────────────────────────────────────────────────

  /** Adds documents (all or none), in input order with their ids. */
  async addDocuments(taskId: string, docs: readonly DocumentInput[]): Promise<CorpusDocument[]> {
    const fn = 'addDocuments';
    const e = await this.entry(fn, taskId);
    if (!Array.isArray(docs)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: docs must be an array`, { field: 'docs' });
    docs.forEach((d, i) => {
      if (d === null || typeof d !== 'object' || typeof d.content !== 'string' || d.content === '') {
        throw new CuratorError('INVALID_ARGUMENT', `${fn}: docs[${i}].content must be a non-empty string`, { field: `docs[${i}].content` });
      }
    });
    return this.store.transaction((tx) => tx.corpus.addDocuments(e.task.id, docs));
  }

  /** Sets one user's label for one document (a second call by the same user replaces it). */
  async annotate(taskId: string, a: AnnotationInput): Promise<Annotation> {
    return (await this.annotateMany(taskId, [a]))[0]!;
  }

  /** Several annotations, all checked first, stored in one transaction (all or none). */
  async annotateMany(taskId: string, annotations: readonly AnnotationInput[]): Promise<Annotation[]> {
    const fn = 'annotate';
    const e = await this.entry(fn, taskId);
    if (!Array.isArray(annotations)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: annotations must be an array`, { field: 'annotations' });
    const users = new Set<string>();
    annotations.forEach((a, i) => {
      const at = annotations.length === 1 ? '' : `[${i}]`;
      if (a === null || typeof a !== 'object') throw new CuratorError('INVALID_ARGUMENT', `${fn}: annotation${at} must be an object`, { field: 'annotation' });
      if (!Number.isSafeInteger(a.documentId) || a.documentId < 1) {
        throw new CuratorError('INVALID_ARGUMENT', `${fn}: documentId${at} must be a positive integer; got ${JSON.stringify(a.documentId)}`, { field: 'documentId' });
      }
      if (typeof a.userId !== 'string' || a.userId === '') throw new CuratorError('INVALID_ARGUMENT', `${fn}: userId${at} must be a non-empty string`, { field: 'userId' });
      if (!e.labels.has(a.label)) {
        throw new CuratorError('UNKNOWN_LABEL', `${fn}: label${at} ${JSON.stringify(a.label)} is not a label of task '${e.task.id}' (${e.task.labels.join(', ')})`, { field: 'label' });
      }
      users.add(a.userId);
    });
    const stored = await this.store.transaction(async (tx) => {
      for (const u of users) {
        if ((await tx.corpus.getUser(u)) === undefined) throw new CuratorError('INVALID_REFERENCE', `${fn}: no user '${u}'`, { field: 'userId' });
      }
      const repo = tx.lifecycle;
      const out: Annotation[] = [];
      for (const a of annotations) {
        const owner = await repo.documentTask(a.documentId);
        if (owner === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no document ${a.documentId}`, { field: 'documentId' });
        if (owner !== e.task.id) {
          throw new CuratorError('INVALID_REFERENCE', `${fn}: document ${a.documentId} belongs to task '${owner}', not '${e.task.id}'`, { field: 'documentId' });
        }
        out.push(await tx.corpus.annotate({ documentId: a.documentId, userId: a.userId, label: a.label, ...(a.at ? { at: a.at } : {}) }));
      }
      return out;
    });
    await this.triggerEngine.afterAnnotations(e.task.id, [...users]);
    return stored;
  }

  /** Records the true label of a logged prediction. */
  async feedback(taskId: string, f: FeedbackInput): Promise<Feedback> {
    const fn = 'feedback';
    const e = await this.entry(fn, taskId);
    if (f === null || typeof f !== 'object' || typeof f.predictionId !== 'string' || f.predictionId === '') {
      throw new CuratorError('INVALID_ARGUMENT', `${fn}: predictionId must be the non-empty string predict answered with`, { field: 'predictionId' });
    }
    if (!e.labels.has(f.label)) {
      throw new CuratorError('UNKNOWN_LABEL', `${fn}: label ${JSON.stringify(f.label)} is not a label of task '${e.task.id}' (${e.task.labels.join(', ')})`, { field: 'label' });
    }
    const userId = f.userId ?? null;
    if (userId !== null && (await this.store.corpus.getUser(userId)) === undefined) {
      throw new CuratorError('INVALID_REFERENCE', `${fn}: no user '${userId}'`, { field: 'userId' });
    }
    if (this.log.isPending(f.predictionId)) await this.log.flush();
    const prediction = await this.store.lifecycle.predictionByRef(f.predictionId);
    if (prediction === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no prediction ${JSON.stringify(f.predictionId)}`, { field: 'predictionId' });
    if (prediction.taskId !== e.task.id) {
      throw new CuratorError('INVALID_REFERENCE', `${fn}: prediction ${f.predictionId} belongs to task '${prediction.taskId}', not '${e.task.id}'`, { field: 'predictionId' });
    }
    const stored = await this.store.activity.addFeedback({ predictionId: prediction.id, label: f.label, userId, createdAt: f.at ?? new Date() });
    await this.monitorHub.observe(e.task.id, prediction, stored);
    return stored;
  }

  // ── builds ─────────────────────────────────────────────────────────────────────────────

  /**
   * Builds a model for a task and scope through the build runner and applies the promotion
   * policy. At most one build per task and scope runs at a time: a call while one runs gets
   * that build's outcome. A promotion takes effect for the next prediction.
   */
  async build(taskId: string, call: BuildCall = {}): Promise<BuildOutcome> {
    const fn = 'build';
    const e = await this.entry(fn, taskId);
    const scope = call.scope ?? GLOBAL;
    await this.checkScope(fn, scope);
    const key = `${e.task.id}\u0000${scopeKey(scope)}`;
    const running = this.builds.get(key);
    if (running !== undefined) return running;
    const request = { taskId: e.task.id, scope, actor: call.actor ?? 'curator', reason: call.reason ?? 'build requested' };
    const start = call.startJob;
    const run = start === undefined ? this.runner.run(request, call.onProgress) : start().then((jobId) => this.runner.run({ ...request, jobId }, call.onProgress));
    return this.track(key, run);
  }

  /** Debounces a running build under its key and applies its promotion to the cache. */
  private track(key: string, run: Promise<BuildOutcome>): Promise<BuildOutcome> {
    const p = run.then((outcome) => {
      if (outcome.status === 'built' && outcome.promoted) this.invalidate(outcome.taskId, outcome.scope);
      return outcome;
    });
    this.builds.set(key, p);
    const done = (): void => void this.builds.delete(key);
    p.then(done, done);
    return p;
  }

  /**
   * Takes over the builds a stopped process left unfinished on this database (the runner
   * retries them or marks them failed; see `JobsConfig`). `createCurator` calls it; a retried
   * build counts as the running build of its task and scope, so `build` joins it.
   */
  async recoverBuilds(): Promise<RecoveredBuild[]> {
    const found = (await this.runner.recover?.()) ?? [];
    for (const r of found) {
      if (r.outcome !== undefined) this.track(`${r.request.taskId}\u0000${scopeKey(r.request.scope)}`, r.outcome);
    }
    this.recovered.push(...found);
    return found;
  }

  private async checkScope(fn: string, scope: Scope): Promise<void> {
    if (scope === null || typeof scope !== 'object') throw new CuratorError('INVALID_ARGUMENT', `${fn}: scope must be a scope object`, { field: 'scope' });
    if (scope.kind === 'global') return;
    if (scope.kind === 'user') {
      if ((await this.store.corpus.getUser(scope.userId)) === undefined) throw new CuratorError('INVALID_REFERENCE', `${fn}: no user '${scope.userId}'`, { field: 'scope.userId' });
      return;
    }
    if (scope.kind === 'group') {
      if ((await this.store.corpus.getGroup(scope.groupId)) === undefined) throw new CuratorError('INVALID_REFERENCE', `${fn}: no group '${scope.groupId}'`, { field: 'scope.groupId' });
      return;
    }
    throw new CuratorError('INVALID_ARGUMENT', `${fn}: scope.kind must be 'global', 'group' or 'user'; got ${JSON.stringify((scope as { kind: unknown }).kind)}`, { field: 'scope.kind' });
  }

  /**
   * User and group scopes whose annotators have labelled at least the task's minimum (a group
   * counts its members' labels, an upper bound: the build checks the resolved count).
   */
  async eligibleScopes(taskId: string): Promise<Scope[]> {
    const e = await this.entry('eligibleScopes', taskId);
    const counts = await this.store.lifecycle.labelCountsByUser(e.task.id);
    const out: Scope[] = [];
    const groups = new Map<string, number>();
    for (const [userId, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (n >= e.config.minLabels.user) out.push({ kind: 'user', userId });
      for (const g of await this.store.corpus.groupsOf(userId)) groups.set(g.id, (groups.get(g.id) ?? 0) + n);
    }
    for (const [groupId, n] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) if (n >= e.config.minLabels.group) out.push({ kind: 'group', groupId });
    return out;
  }

  // ── predictions ────────────────────────────────────────────────────────────────────────

  /**
   * Predicts the label of a text with the model(s) the task's selection policy picks for the
   * user, and logs the prediction (batched, off the request path).
   */
  async predict(taskId: string, text: string, call: PredictCall = {}): Promise<PredictionAnswer> {
    const t0 = performance.now();
    const fn = 'predict';
    const e = this.tasks.get(taskId) ?? (await this.entry(fn, taskId));
    if (typeof text !== 'string') throw new CuratorError('INVALID_ARGUMENT', `${fn}: text must be a string; got ${typeof text}`, { field: 'text' });
    const userId = call.userId ?? null;
    const available = await this.available(fn, e, userId);
    const selection = e.policy.select(available);
    if (selection === null) throw new CuratorError('INVALID_STATE', `${fn}: task '${e.task.id}' has no active model yet; build one first`, { field: 'taskId' });
    let label: string;
    let probabilities: Record<string, number>;
    let decider = selection.decider;
    if (selection.members.length === 1) {
      const v = decider.vote(text);
      label = v.label;
      probabilities = byLabel(e.task.labels, decider.classes, v.probabilities, 1);
    } else {
      probabilities = Object.fromEntries(e.task.labels.map((l) => [l, 0]));
      const votes = selection.members.map((m) => ({ m, v: m.vote(text), w: voteWeight(m) }));
      const total = votes.reduce((s, x) => s + x.w, 0);
      for (const { m, v, w } of votes) {
        const p = byLabel(e.task.labels, m.classes, v.probabilities, w / total);
        for (const l of e.task.labels) probabilities[l]! += p[l]!;
      }
      label = e.task.labels.reduce((best, l) => (probabilities[l]! > probabilities[best]! ? l : best));
      const agreeing = votes.filter((x) => x.v.label === label).sort((a, b) => b.w - a.w);
      if (agreeing.length > 0) decider = agreeing[0]!.m;
    }
    const predictionId = newPredictionId();
    const latencyMs = performance.now() - t0;
    const modelIds = selection.members.map((m) => m.model.id);
    this.log.append({
      ref: predictionId, taskId: e.task.id, modelId: decider.model.id, modelIds, userId, inputRef: null,
      output: label, probabilities, latencyMs, createdAt: new Date(),
    }, text); // inputRef: the text's SHA-256, hashed when the batch is written
    return { predictionId, label, probabilities, modelId: decider.model.id, modelIds, scope: decider.model.scope, policy: e.policy.name, latencyMs };
  }

  private async available(fn: string, e: TaskEntry, userId: string | null): Promise<Available> {
    const global = await this.cache.active(e.task.id, GLOBAL);
    if (userId === null) return { user: null, groups: [], global };
    let groupIds = this.groupsOf.get(userId);
    if (groupIds === undefined) {
      if (typeof userId !== 'string' || (await this.store.corpus.getUser(userId)) === undefined) {
        throw new CuratorError('INVALID_REFERENCE', `${fn}: no user ${JSON.stringify(userId)}`, { field: 'userId' });
      }
      groupIds = (await this.store.corpus.groupsOf(userId)).map((g) => g.id);
      this.groupsOf.set(userId, groupIds);
    }
    const user = await this.cache.active(e.task.id, { kind: 'user', userId });
    const groups: ServedModel[] = [];
    for (const groupId of groupIds) {
      const m = await this.cache.active(e.task.id, { kind: 'group', groupId });
      if (m !== null) groups.push(m);
    }
    return { user, groups, global };
  }

  /**
   * Marks the active models of a task (or one scope) to be re-read: for promotions made
   * elsewhere (another process, the registry directly). Builds through this curator do it themselves.
   * With `modelChanges`, every other Curator instance is told too.
   */
  invalidate(taskId: string, scope?: Scope): void {
    this.cache.invalidate(taskId, scope);
    this.changes?.publish({ kind: 'invalidate', taskId, ...(scope === undefined ? {} : { scope }) }).catch(() => {
      // Best effort: the bus reconnects by itself; a message lost meanwhile leaves the other
      // instances on the model they had until their next change (see docs/deployment.md).
    });
  }

  // ── triggers and monitoring ───────────────────────────────────────────────────────────

  /**
   * "Train now" (the task's manual rule): starts a build of the scope and records the firing
   * with its job; a build already running for the scope is joined instead ('debounced').
   */
  async trigger(taskId: string, call: TriggerCall = {}): Promise<FiringResult> {
    const e = await this.entry('trigger', taskId);
    const scope = call.scope ?? GLOBAL;
    await this.checkScope('trigger', scope);
    return this.triggerEngine.manual(e.task.id, scope, call.actor ?? 'curator', call.reason ?? 'train now');
  }

  /** Looks at the schedule rules of every task now (the timer does it every `triggers.scheduleCheckMs`). */
  checkTriggers(): Promise<FiringResult[]> {
    return this.triggerEngine.tick();
  }

  /** A task's trigger firings, newest first (optionally of one rule kind), with their figures and jobs. */
  async triggerEvents(taskId: string, options: { rule?: 'growth' | 'schedule' | 'decay' | 'manual'; limit?: number } = {}): Promise<DetailedTriggerEvent[]> {
    const e = await this.entry('triggerEvents', taskId);
    return this.store.triggerMonitor.triggerEvents(e.task.id, options);
  }

  /** A task's decay alarms, newest first: trigger events of rule 'decay' with the test statistic in `detail`. */
  alarms(taskId: string, limit = 100): Promise<DetailedTriggerEvent[]> {
    return this.triggerEvents(taskId, { rule: 'decay', limit });
  }

  /**
   * Live precision, recall, F1 and accuracy of a task's models (the active ones and any with
   * feedback in this process, or the given model) over the count and time windows, next to
   * their cross-validated estimates and the decay test.
   */
  async monitor(taskId: string, options: { modelId?: number } = {}): Promise<ModelMonitorReport[]> {
    const e = await this.entry('monitor', taskId);
    let ids: number[];
    if (options.modelId !== undefined) {
      ids = [options.modelId];
    } else {
      const active = (await this.registry.models.list({ taskId: e.task.id, status: 'active' }, { limit: 500 })).items.map((m) => m.id);
      ids = [...new Set([...active, ...(await this.monitorHub.knownModels(e.task.id))])].sort((a, b) => a - b);
    }
    return this.monitorHub.report(e.task.id, ids);
  }

  /**
   * Listens to the job events of the build engine when it reports them (the worker-thread
   * engine does); undefined for an in-process runner, whose progress is only in the job rows.
   * Returns the function that stops listening.
   */
  subscribeJobs(listener: (event: JobEvent) => void): (() => void) | undefined {
    const engine = (this.runner as { engine?: Partial<Pick<JobEngine, 'subscribe'>> }).engine;
    return typeof engine?.subscribe === 'function' ? engine.subscribe(listener) : undefined;
  }

  /** Waits until no build runs (those triggers started included). */
  async idle(): Promise<void> {
    await this.triggerEngine.idle();
    while (this.builds.size > 0) await Promise.allSettled([...this.builds.values()]);
  }

  /** Writes buffered predictions and changed monitor windows now. */
  async flush(): Promise<void> {
    await this.log.flush();
    await this.monitorHub.flush();
  }

  get predictionLogStats(): PredictionLogStats {
    return this.log.stats;
  }

  /** Waits for running builds, flushes the prediction log and (if it opened it) closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.triggerEngine.stop();
    this.unlisten?.();
    await this.runner.close();
    await this.log.close();
    await this.monitorHub.flush();
    if (this.ownsStore) await this.store.close();
  }
}

/** A member's probabilities as a record over the task's labels, scaled by `weight`. */
function byLabel(labels: readonly string[], classes: readonly string[], p: Float64Array, weight: number): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  classes.forEach((c, j) => {
    if (c in out) out[c] = p[j]! * weight;
  });
  return out;
}
