import { FlowProducer, UnrecoverableError, Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { ModelChangeBus } from '../lifecycle/model-change-bus.ts';
import { CuratorError } from '../ml/errors.ts';
import type { Store } from '../store/index.ts';
import {
  finishBuild, planBuild, PreparedCache, runCells, type BuildPlan, type CellScore, type CellSpec, type FanInResult, type PlainRequest, type PlanResult,
} from './bullmq-build-stages.ts';
import {
  bullJobId, jobOptions, resolveQueues, stageQueue, STAGES,
  type Granularity, type QueueSettings, type ResolvedQueues, type RetrySettings, type Stage,
} from './bullmq-queues.ts';
import type { JobProgress } from './job-engine.ts';

/** The data of each stage's BullMQ job. */
export interface PlanJobData {
  readonly jobId: number;
  readonly request: PlainRequest;
  readonly granularity: Granularity;
  readonly retry: RetrySettings;
}
export interface CellJobData {
  readonly plan: BuildPlan;
  readonly cell: CellSpec;
  readonly index: number;
  /** (candidate, fold) units in the whole build. */
  readonly total: number;
}
export interface FanInJobData {
  readonly plan: BuildPlan;
}

/** What a cell sub-job returns to the fan-in (and how long its parts took, for the bench). */
export interface CellJobResult {
  readonly scores: readonly CellScore[];
  readonly prepareMs: number;
  readonly cvMs: number;
  /** Epoch ms the job was added (with its flow), the worker started it, and finished it: coordination overhead in the bench. */
  readonly enqueuedAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  /** Which worker process ran it. */
  readonly worker: string;
}

/** What a fan-in job returns: the model, and where its time went (epoch ms of each step's start). */
export interface FanInJobResult extends FanInResult {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly steps: Readonly<Record<string, number>>;
  readonly cells: readonly Omit<CellJobResult, 'scores'>[];
}

/** Options of {@link BullmqWorker}. */
export interface BullmqWorkerOptions extends QueueSettings {
  /** The worker's own store connection (the database the API servers use). */
  readonly store: Store;
  /** Which stages this worker takes (default all three). */
  readonly stages?: readonly Stage[];
  /**
   * How long a job's lock lasts without renewal (default 30 s). A worker that dies leaves its job
   * locked this long; then another worker's stalled check hands it on. Must exceed the longest
   * synchronous stretch of a job (one fold of the candidates of a sub-job, or the winner's fit).
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (default 15 s). */
  readonly stalledIntervalMs?: number;
  /** Times a job may be taken over after its worker died before it fails (default 2). */
  readonly maxStalledCount?: number;
  /** Where build progress lines and problems go (default: nowhere). */
  readonly log?: (line: string) => void;
  /** Told about every promotion a fan-in makes, so every API server re-reads its models. */
  readonly changes?: ModelChangeBus;
  /** Least time between two progress writes to a job row (default 1000 ms). */
  readonly progressWriteMs?: number;
  /** Called before each sub-job runs (fault injection in tests; a throw fails the attempt). */
  readonly beforeJob?: (stage: Stage, job: Job) => void | Promise<void>;
}

/** An error no retry can fix: the same input fails the same way (a CuratorError other than an unreachable store). */
function permanent(error: unknown): boolean {
  return error instanceof CuratorError && error.code !== 'STORE_UNAVAILABLE';
}

/** `[CODE] message` for a coded error, so the code survives BullMQ (which keeps only the message). */
function encode(error: unknown): Error {
  if (error instanceof CuratorError) {
    const e = permanent(error) ? new UnrecoverableError(`[${error.code}${error.field ? `:${error.field}` : ''}] ${error.message}`) : new Error(`[${error.code}] ${error.message}`);
    e.stack = error.stack ?? e.stack;
    return e;
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** The code, field and message of an error that went through {@link encode}. */
export function decodeError(message: string): { code?: string; field?: string; message: string } {
  const m = /^\[([A-Z_]+)(?::([^\]]+))?\] ([\s\S]*)$/.exec(message);
  if (m === null) return { message };
  return { code: m[1]!, ...(m[2] === undefined ? {} : { field: m[2] }), message: m[3]! };
}

/**
 * One `curator worker`'s share of the distributed builds: BullMQ workers on the plan, cv and
 * fan-in queues of a {@link BullmqJobEngine}, each running one job at a time (a CV sub-job uses
 * a core). Sub-jobs retry with exponential backoff; a job whose worker died is taken over by
 * another worker once its lock expires; a job that keeps failing (or a coded, deterministic
 * error) fails its build, whose `jobs` row gets the error.
 *
 * @example
 * const worker = new BullmqWorker({ store, redis: 'redis://127.0.0.1:6379', log: console.log });
 * await worker.start();
 * // … on SIGTERM:
 * await worker.close();
 */
export class BullmqWorker {
  private readonly q: ResolvedQueues;
  private readonly workers: Worker[] = [];
  private readonly cache = new PreparedCache();
  private readonly log: (line: string) => void;
  private flow: FlowProducer | undefined;
  private counter: Redis | undefined;
  private readonly lastWrite = new Map<number, number>();
  private lastError = '';
  /** This worker in logs and timings: `host:pid`. */
  readonly name = `${hostname()}:${process.pid}`;

  constructor(private readonly options: BullmqWorkerOptions) {
    this.q = resolveQueues('BullmqWorker', options);
    this.log = options.log ?? (() => {});
  }

  /** Starts taking jobs. */
  async start(): Promise<void> {
    const o = this.options;
    const common = {
      connection: this.q.connection,
      prefix: this.q.prefix,
      concurrency: 1,
      lockDuration: o.lockDurationMs ?? 30_000,
      stalledInterval: o.stalledIntervalMs ?? 15_000,
      maxStalledCount: o.maxStalledCount ?? 2,
    };
    this.flow = new FlowProducer({ connection: this.q.connection, prefix: this.q.prefix });
    this.flow.on('error', (e) => this.problem('flow producer', e));
    this.counter = new Redis(this.q.redis, { maxRetriesPerRequest: null, lazyConnect: false });
    this.counter.on('error', (e) => this.problem('redis', e));
    for (const stage of o.stages ?? STAGES) {
      const worker = new Worker(stageQueue(this.q, stage), (job) => this.process(stage, job), common);
      worker.on('error', (e) => this.problem(`${stage} worker`, e));
      worker.on('failed', (job, error) => void this.failed(stage, job, error));
      worker.on('stalled', (id) => this.log(`${stage} job ${id} stalled (its worker stopped); handed to the next worker`));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
  }

  /** Finishes the jobs in hand (no new ones), then disconnects. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.flow?.close();
    this.counter?.disconnect();
  }

  private async process(stage: Stage, job: Job): Promise<unknown> {
    try {
      await this.options.beforeJob?.(stage, job);
      if (stage === 'plan') return await this.plan(job as Job<PlanJobData>);
      if (stage === 'cv') return await this.cells(job as Job<CellJobData>);
      return await this.fanIn(job as Job<FanInJobData>);
    } catch (error) {
      throw encode(error);
    }
  }

  private async plan(job: Job<PlanJobData>): Promise<PlanResult | { kind: 'planned'; cells: number }> {
    const { jobId, request, granularity, retry } = job.data;
    this.log(`build #${jobId}: plan (attempt ${job.attemptsMade + 1})`);
    const row = await this.options.store.jobs.get(jobId);
    if (row === undefined) throw new CuratorError('NOT_FOUND', `build job #${jobId} has no row in the jobs table`, { field: 'jobId' });
    if (row.status !== 'queued' && row.status !== 'running') {
      // A late second run of a plan whose build went on and ended: nothing to do.
      this.log(`build #${jobId}: already ${row.status}; plan not run again`);
      return { kind: 'skipped', reason: `already ${row.status}`, snapshotId: row.snapshotId };
    }
    const r = await planBuild(this.options.store, jobId, request, job.attemptsMade + 1, granularity);
    if (r.kind === 'skipped') {
      this.log(`build #${jobId}: skipped — ${r.reason}`);
      return r;
    }
    const total = r.cells.reduce((s, c) => s + c.candidates.length * c.folds.length, 0);
    const opts = jobOptions(retry);
    await this.options.store.jobs.progress(jobId, { stage: 'cv', done: 0, total, folds: r.plan.folds, candidates: r.plan.candidates.length, attempt: job.attemptsMade + 1 }, 0);
    // Fixed ids: a second run of this plan (its worker died after adding the flow) adds nothing.
    await this.flow!.add({
      name: 'fanin',
      queueName: stageQueue(this.q, 'fanin'),
      data: { plan: r.plan } satisfies FanInJobData,
      opts: { ...opts, jobId: bullJobId(jobId, 'fanin') },
      children: r.cells.map((cell, index) => ({
        name: 'cv',
        queueName: stageQueue(this.q, 'cv'),
        data: { plan: r.plan, cell, index, total } satisfies CellJobData,
        opts: { ...opts, jobId: bullJobId(jobId, 'cv', index), failParentOnFailure: true },
      })),
    });
    this.log(`build #${jobId}: snapshot #${r.plan.snapshotId}, ${r.plan.candidates.length} candidates × ${r.plan.folds} folds in ${r.cells.length} sub-jobs`);
    return { kind: 'planned', cells: r.cells.length };
  }

  private async cells(job: Job<CellJobData>): Promise<CellJobResult> {
    const { plan, cell, total } = job.data;
    const startedAt = Date.now();
    const attempt = job.attemptsMade + 1;
    const key = `${this.q.prefix}:${this.q.queue}:curator:build:${plan.jobId}:done`;
    this.log(`build #${plan.jobId}: cv sub-job ${job.data.index + 1} (${cell.candidates.length} candidates × ${cell.folds.length} folds, attempt ${job.attemptsMade + 1})`);
    const r = await runCells(this.options.store, this.cache, plan, cell, (candidate, k) => {
      void this.cellDone(job, attempt, key, total, candidate, k);
    });
    return { ...r, enqueuedAt: job.timestamp, startedAt, finishedAt: Date.now(), worker: this.name };
  }

  /** Counts a finished (candidate, fold) build-wide (Redis INCR), reports it on the job and, now and then, in the row. */
  private async cellDone(job: Job<CellJobData>, attempt: number, key: string, total: number, candidate: string, fold: number): Promise<void> {
    const { plan } = job.data;
    try {
      const done = Math.min(total, await this.counter!.incr(key));
      if (done === 1) await this.counter!.expire(key, 7 * 86_400);
      const candidateIndex = plan.candidates.indexOf(candidate) + 1;
      const progress: JobProgress = {
        jobId: plan.jobId, attempt, stage: 'cv', done, total, fold: fold + 1, folds: plan.folds, candidate, candidateIndex, candidates: plan.candidates.length,
      };
      // taskId and scope ride along, so every API server can stream the progress, not only the submitter.
      await job.updateProgress({ ...progress, taskId: plan.request.taskId, scope: plan.request.scope } as unknown as Record<string, unknown>);
      const now = Date.now();
      if (now - (this.lastWrite.get(plan.jobId) ?? 0) >= (this.options.progressWriteMs ?? 1000) || done === total) {
        this.lastWrite.set(plan.jobId, now);
        const { jobId: _j, ...detail } = progress;
        await this.options.store.jobs.progress(plan.jobId, detail, (done / total) * 0.9);
      }
    } catch (error) {
      // Progress is advisory: a busy database or Redis must not fail the cross-validation.
      this.problem('progress', error);
    }
  }

  private async fanIn(job: Job<FanInJobData>): Promise<FanInJobResult> {
    const startedAt = Date.now();
    const steps: Record<string, number> = {};
    const { plan } = job.data;
    const attempt = job.attemptsMade + 1;
    this.log(`build #${plan.jobId}: fan-in (attempt ${attempt})`);
    const values = Object.values(await job.getChildrenValues<CellJobResult>());
    const cells = values.flatMap((v) => v.scores);
    const total = plan.candidates.length * plan.folds;
    const { outcome, result } = await finishBuild(this.options.store, this.cache, plan, cells, (stage, candidate) => {
      steps[stage] = Date.now();
      void job.updateProgress({ jobId: plan.jobId, attempt, stage, done: total, total, candidate, taskId: plan.request.taskId, scope: plan.request.scope } as Record<string, unknown>).catch(() => {});
      void this.options.store.jobs.progress(plan.jobId, { stage, done: total, total, candidate }).catch(() => {});
    });
    this.lastWrite.delete(plan.jobId);
    void this.counter?.del(`${this.q.prefix}:${this.q.queue}:curator:build:${plan.jobId}:done`).catch(() => {});
    if (outcome.status === 'built' && outcome.promoted) {
      await this.options.changes?.publish({ kind: 'promote', taskId: outcome.taskId, scope: outcome.scope, modelId: outcome.model.id }).catch((e: unknown) => this.problem('model change bus', e));
    }
    this.log(`build #${plan.jobId}: ${outcome.status === 'built' ? `model #${outcome.model.id} (${outcome.candidates[0]!.name}), ${outcome.promoted ? 'promoted' : 'not promoted'}${result.resumed ? ', resumed' : ''}` : `skipped — ${outcome.reason}`}`);
    return { ...result, startedAt, finishedAt: Date.now(), steps, cells: values.map(({ scores: _scores, ...rest }) => rest) };
  }

  /** A sub-job failed: when no attempt is left (or the error is permanent), the build fails with it. */
  private async failed(stage: Stage, job: Job | undefined, error: Error): Promise<void> {
    if (job === undefined) return;
    const jobId = stage === 'plan' ? (job.data as PlanJobData).jobId : (job.data as CellJobData | FanInJobData).plan.jobId;
    try {
      const final = await job.isFailed();
      const attempts = job.opts.attempts ?? 1;
      if (!final) {
        this.log(`build #${jobId}: ${stage} sub-job ${job.id} failed (attempt ${job.attemptsMade} of ${attempts}), retrying with backoff: ${error.message}`);
        // The row's attempts: the highest attempt any stage of the build has reached.
        const row = await this.options.store.jobs.get(jobId);
        if (row !== undefined && row.status === 'running' && row.attempts < job.attemptsMade + 1) await this.options.store.activity.updateJob(jobId, { attempts: job.attemptsMade + 1 });
        return;
      }
      // A fan-in failed because a sub-job did: that sub-job's own handler records the real error;
      // this one only steps in if it has not (e.g. its worker died just then).
      if (stage === 'fanin' && /^child .+ failed$/.test(error.message)) await new Promise((r) => setTimeout(r, 2000));
      const d = decodeError(error.message);
      const why = error.name === 'UnrecoverableError' || d.code !== undefined ? d.message : `${d.message} (${stage} sub-job ${job.id}, attempt ${job.attemptsMade} of ${attempts})`;
      const store = this.options.store;
      const row = await store.jobs.get(jobId);
      if (row !== undefined && (row.status === 'queued' || row.status === 'running')) {
        await store.activity.updateJob(jobId, { status: 'failed', error: why, finishedAt: new Date(), result: { code: d.code ?? null, field: d.field ?? null, stage } });
      }
      this.log(`build #${jobId}: failed in the ${stage} stage — ${why}`);
    } catch (e) {
      this.problem(`marking build #${jobId} failed`, e);
    }
  }

  /** Logs a connection problem once per distinct message (ioredis repeats them on every retry). */
  private problem(what: string, error: unknown): void {
    const msg = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    if (msg === this.lastError) return;
    this.lastError = msg;
    this.log(`problem: ${msg} (retrying with backoff)`);
  }
}
