import { Queue, QueueEvents } from 'bullmq';
import type { BuildOutcome, BuildRequest, CandidateScore, BuildDecision } from '../lifecycle/build.ts';
import type { RecoveredBuild } from '../lifecycle/build-runner.ts';
import { CuratorError, type ErrorCode } from '../ml/errors.ts';
import type { Scope, Store } from '../store/index.ts';
import type { QueuedJob } from '../store/job-queue-repo.ts';
import { buildIdOf, bullJobId, jobOptions, resolveQueues, stageQueue, STAGES, type Granularity, type QueueSettings, type ResolvedQueues, type RetrySettings, type Stage } from './bullmq-queues.ts';
import type { PlanJobData } from './bullmq-worker.ts';
import type { JobEngine, JobEvent, JobHandle, JobProgress, SubmitOptions } from './job-engine.ts';

/** Options of {@link BullmqJobEngine}. */
export interface BullmqJobEngineOptions extends QueueSettings, RetrySettings {
  /** The application's store: job rows are written and read through it. */
  readonly store: Store;
  /** How a build fans out (default 'fold': each sub-job builds a fold's features once for every candidate). */
  readonly granularity?: Granularity;
  /** How often rows of running jobs are read when no queue event arrives (default 1000 ms). */
  readonly pollMs?: number;
  /**
   * Whether `close` waits for the builds this engine follows (default false: they run on the
   * workers whatever happens here, so a server can restart mid-build; their handles reject).
   */
  readonly waitOnClose?: boolean;
}

interface Pending {
  readonly request: BuildRequest & { readonly scope: Scope };
  readonly onProgress: ((p: JobProgress) => void) | undefined;
  readonly resolve: (o: BuildOutcome) => void;
  readonly reject: (e: unknown) => void;
  started: boolean;
}

/** The owner written on rows this engine queues: not a process, the queue (any worker may run it). */
const ownerOf = (q: ResolvedQueues): string => `bullmq:${q.prefix}:${q.queue}`;

/**
 * The distributed job engine: builds run on `curator worker` processes (any number, on any
 * machine) fed by BullMQ queues on Redis, and every job still has its row in the `jobs` table.
 *
 * Why BullMQ: per-job progress events (`updateProgress` → QueueEvents), retries with
 * exponential backoff, flows (a parent job that runs once all its children have: the fan-out
 * of the cross-validation and its fan-in), and stalled-job recovery (a job whose worker died
 * loses its lock and another worker takes it over) — each of which a PostgreSQL queue would
 * have to rebuild. A build is three stages:
 *
 * 1. **plan** — snapshot, folds, candidates and champion, pinned; then a flow:
 * 2. **cv** sub-jobs — one per fold (default), per candidate or per (candidate × fold), in parallel;
 * 3. **fan-in** — once every sub-job is done: rank, fit the winner, evaluate, register (once:
 *    a unique build/candidate key), promotion policy, finish the row.
 *
 * This engine is the submitting side (an API server): it queues, follows events and polls the
 * row for the outcome; {@link BullmqWorker} is the running side.
 *
 * @example
 * const engine = new BullmqJobEngine({ store, redis: 'redis://127.0.0.1:6379' });
 * const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'manual' });
 * console.log(jobId, (await outcome).status);
 */
export class BullmqJobEngine implements JobEngine {
  private readonly q: ResolvedQueues;
  private readonly store: Store;
  private readonly retry: RetrySettings;
  private readonly granularity: Granularity;
  private readonly planQueue: Queue;
  private readonly queues = new Map<Stage, Queue>();
  private readonly events: QueueEvents[] = [];
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private readonly waitOnClose: boolean;

  constructor(options: BullmqJobEngineOptions) {
    this.waitOnClose = options.waitOnClose ?? false;
    this.q = resolveQueues('BullmqJobEngine', options);
    this.store = options.store;
    this.retry = { attempts: options.attempts ?? 3, backoffMs: options.backoffMs ?? 1000 };
    jobOptions(this.retry);
    this.granularity = options.granularity ?? 'fold';
    if (!['fold', 'candidate', 'cell'].includes(this.granularity)) {
      throw new CuratorError('INVALID_ARGUMENT', `BullmqJobEngine: granularity must be 'fold', 'candidate' or 'cell'; got ${JSON.stringify(options.granularity)}`, { field: 'granularity' });
    }
    const base = { connection: this.q.connection, prefix: this.q.prefix };
    for (const stage of STAGES) {
      const queue = new Queue(stageQueue(this.q, stage), base);
      queue.on('error', () => {});
      this.queues.set(stage, queue);
    }
    this.planQueue = this.queues.get('plan')!;
    for (const stage of STAGES) {
      const ev = new QueueEvents(stageQueue(this.q, stage), base);
      ev.on('error', () => {});
      this.listen(stage, ev);
      this.events.push(ev);
    }
    this.ready = Promise.all([...[...this.queues.values()].map((q) => q.waitUntilReady()), ...this.events.map((e) => e.waitUntilReady())]).then(() => {});
    this.ready.catch(() => {});
    this.timer = setInterval(() => void this.poll(), options.pollMs ?? 1000);
    this.timer.unref();
  }

  async submit(request: BuildRequest, options: SubmitOptions = {}): Promise<JobHandle> {
    if (this.closed) throw new CuratorError('INVALID_STATE', 'submit: the job engine is closed', { field: 'engine' });
    await this.ready;
    let jobId = request.jobId;
    if (jobId === undefined) {
      const job = await this.store.jobs.enqueue({
        taskId: request.taskId, scope: request.scope, kind: 'build', params: { actor: request.actor, reason: request.reason, queue: this.q.queue }, owner: ownerOf(this.q), maxAttempts: this.retry.attempts!,
      });
      jobId = job.id;
    }
    const outcome = this.follow(jobId, { ...request, jobId }, options.onProgress);
    this.emit({ type: 'queued', jobId, taskId: request.taskId, scope: request.scope });
    await this.enqueuePlan(jobId, request);
    return { jobId, outcome };
  }

  /**
   * Rows this queue owns that are unfinished: a plan job missing from Redis (the submitting
   * process died between the row and the queue, or Redis lost it) is queued again; all are
   * followed to their outcome. Running sub-jobs need nothing: workers take them over.
   */
  async recover(): Promise<RecoveredBuild[]> {
    await this.ready;
    const out: RecoveredBuild[] = [];
    for (const job of await this.store.jobs.unfinished()) {
      if (job.owner !== ownerOf(this.q) || this.pending.has(job.id)) continue;
      const request = requestOf(job);
      const outcome = this.follow(job.id, request, undefined);
      if (job.status === 'queued' && (await this.planQueue.getJob(bullJobId(job.id, 'plan'))) === undefined) await this.enqueuePlan(job.id, request);
      out.push({ jobId: job.id, request, action: 'retried', outcome });
    }
    return out;
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Disconnects; with `waitOnClose`, first waits for the builds this engine follows. Otherwise
   * their handles reject with INVALID_STATE, and the builds run on in the workers (their rows
   * tell how they end).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.waitOnClose) while (this.pending.size > 0) await new Promise((r) => setTimeout(r, 50));
    for (const [jobId, p] of this.pending) {
      p.reject(new CuratorError('INVALID_STATE', `the job engine closed before job #${jobId} ended; it runs on in the workers (see its jobs row)`, { field: 'jobId' }));
    }
    this.pending.clear();
    await this.disconnect();
  }

  /** Removes every job of this engine's queues from Redis (tests, benchmarks; never on a live system). */
  async obliterate(): Promise<void> {
    for (const stage of STAGES) {
      const queue = new Queue(stageQueue(this.q, stage), { connection: this.q.connection, prefix: this.q.prefix });
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    }
  }

  private async disconnect(): Promise<void> {
    clearInterval(this.timer);
    await Promise.allSettled([...[...this.queues.values()].map((q) => q.close()), ...this.events.map((e) => e.close())]);
  }

  private async enqueuePlan(jobId: number, request: BuildRequest): Promise<void> {
    const data: PlanJobData = {
      jobId, request: { taskId: request.taskId, scope: request.scope, actor: request.actor, reason: request.reason }, granularity: this.granularity, retry: this.retry,
    };
    await this.planQueue.add('plan', data, { ...jobOptions(this.retry), jobId: bullJobId(jobId, 'plan') });
  }

  private follow(jobId: number, request: BuildRequest & { scope: Scope }, onProgress: ((p: JobProgress) => void) | undefined): Promise<BuildOutcome> {
    const outcome = new Promise<BuildOutcome>((resolve, reject) => {
      this.pending.set(jobId, { request, onProgress, resolve, reject, started: false });
    });
    // A handle nobody awaits (a trigger's build, a closing server) must not be an unhandled rejection.
    outcome.catch(() => {});
    return outcome;
  }

  private listen(stage: Stage, ev: QueueEvents): void {
    const pendingOf = (bullId: string): [number, Pending] | undefined => {
      const id = buildIdOf(bullId);
      const p = id === undefined ? undefined : this.pending.get(id);
      return p === undefined ? undefined : [id!, p];
    };
    ev.on('active', ({ jobId }) => {
      const hit = pendingOf(jobId);
      if (hit === undefined || stage !== 'plan' || hit[1].started) return;
      hit[1].started = true;
      this.emit({ type: 'started', jobId: hit[0], taskId: hit[1].request.taskId, scope: hit[1].request.scope, attempt: 1 });
    });
    ev.on('progress', ({ jobId, data }) => {
      if (data === null || typeof data !== 'object') return;
      const { taskId, scope, ...rest } = data as unknown as JobProgress & { taskId?: string; scope?: Scope };
      const progress = rest as JobProgress;
      const hit = pendingOf(jobId);
      if (hit !== undefined) {
        try {
          hit[1].onProgress?.(progress);
        } catch {
          // A listener's bug must not lose the build.
        }
        this.emit({ type: 'progress', jobId: hit[0], taskId: hit[1].request.taskId, scope: hit[1].request.scope, progress });
        return;
      }
      // A build another server submitted: its progress is news here too (e.g. a job's event stream).
      const id = buildIdOf(jobId);
      if (id !== undefined && typeof taskId === 'string' && scope !== undefined) this.emit({ type: 'progress', jobId: id, taskId, scope, progress });
    });
    const retrying = async (bullId: string, error: string): Promise<void> => {
      const hit = pendingOf(bullId);
      if (hit === undefined) return;
      const job = await this.queues.get(stage)!.getJob(bullId).catch(() => undefined);
      const attempt = (job?.attemptsMade ?? 0) + 1;
      this.emit({ type: 'retrying', jobId: hit[0], taskId: hit[1].request.taskId, scope: hit[1].request.scope, attempt, error: `${stage} sub-job ${bullId}: ${error}` });
    };
    ev.on('delayed', ({ jobId }) => void retrying(jobId, 'failed; retrying after backoff'));
    ev.on('stalled', ({ jobId }) => void retrying(jobId, 'its worker stopped; taken over'));
    const settle = ({ jobId }: { jobId: string }): void => {
      const id = buildIdOf(jobId);
      if (id === undefined || !this.pending.has(id)) return;
      void this.check(id);
      // The worker marks the row just after BullMQ's event; look again shortly.
      setTimeout(() => void this.check(id), 150).unref();
    };
    ev.on('completed', settle);
    ev.on('failed', settle);
  }

  private async poll(): Promise<void> {
    for (const id of [...this.pending.keys()]) await this.check(id);
  }

  /** Settles a followed build whose row has finished. */
  private async check(jobId: number): Promise<void> {
    const p = this.pending.get(jobId);
    if (p === undefined) return;
    let job: QueuedJob | undefined;
    try {
      job = await this.store.jobs.get(jobId);
    } catch {
      return; // the database is busy or away: the next poll looks again
    }
    if (job === undefined || (job.status !== 'succeeded' && job.status !== 'failed' && job.status !== 'cancelled')) return;
    if (!this.pending.delete(jobId)) return;
    const { taskId, scope } = p.request;
    if (job.status === 'succeeded') {
      try {
        const outcome = await this.outcomeOf(job, p.request);
        this.emit({ type: 'succeeded', jobId, taskId, scope, outcome });
        p.resolve(outcome);
      } catch (error) {
        p.reject(error);
      }
      return;
    }
    const result = (job.result ?? {}) as { code?: string | null; field?: string | null };
    const message = job.error ?? `job #${jobId} ${job.status}`;
    const error = typeof result.code === 'string' ? new CuratorError(result.code as ErrorCode, message, result.field ? { field: result.field } : {}) : new Error(message);
    this.emit({ type: 'failed', jobId, taskId, scope, error: message });
    p.reject(error);
  }

  /** The outcome of a succeeded build, from its row and the registry. */
  private async outcomeOf(job: QueuedJob, request: BuildRequest & { scope: Scope }): Promise<BuildOutcome> {
    const r = (job.result ?? {}) as Record<string, unknown>;
    if (typeof r['skipped'] === 'string') {
      return { status: 'skipped', taskId: request.taskId, scope: request.scope, jobId: job.id, snapshotId: job.snapshotId, reason: r['skipped'] };
    }
    const model = await this.store.models.get(Number(r['modelId']));
    const snapshot = job.snapshotId === null ? undefined : await this.store.snapshots.get(job.snapshotId);
    if (model === undefined || snapshot === undefined) {
      throw new CuratorError('NOT_FOUND', `job #${job.id} succeeded but its model #${String(r['modelId'])} or snapshot #${job.snapshotId} is gone`, { field: 'jobId' });
    }
    return {
      status: 'built', taskId: request.taskId, scope: request.scope, jobId: job.id, snapshot, model,
      candidates: (r['candidates'] ?? []) as CandidateScore[], folds: Number(r['folds']), promoted: r['promoted'] === true,
      decision: r['decision'] as BuildDecision, wallMs: Number(r['wallMs']),
    };
  }

  private emit(e: JobEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's bug must not stop a job.
      }
    }
  }
}

/** The build request a row stands for. */
function requestOf(job: QueuedJob): BuildRequest & { scope: Scope } {
  const actor = typeof job.params['actor'] === 'string' ? job.params['actor'] : 'curator';
  const reason = typeof job.params['reason'] === 'string' ? job.params['reason'] : 'recovered job';
  return { taskId: job.taskId, scope: job.scope, actor, reason, jobId: job.id };
}
