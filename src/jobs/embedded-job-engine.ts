import type { BuildOutcome, BuildRequest } from '../lifecycle/build.ts';
import type { RecoveredBuild } from '../lifecycle/build-runner.ts';
import { CuratorError } from '../ml/errors.ts';
import type { Scope, Store } from '../store/index.ts';
import { type JobQueueRepo, type QueuedJob } from '../store/job-queue-repo.ts';
import { BuildWorkerExit, BuildWorkerPool } from './build-worker-pool.ts';
import type { JobEngine, JobEvent, JobHandle, JobProgress, SubmitOptions } from './job-engine.ts';
import { JobOwner } from './job-owner.ts';

/** Options of {@link EmbeddedJobEngine}. */
export interface EmbeddedJobEngineOptions {
  /** The application's store (the engine's queue writes go through it). */
  readonly store: Store;
  /** The URL of the same database, which each worker thread opens itself (not `sqlite::memory:`). */
  readonly url: string;
  /** Worker threads, each running one build at a time (default 1). */
  readonly workers?: number;
  /**
   * Attempts a job may take (default 2): a job whose process or worker thread died is retried
   * until it has had this many, then marked failed. A build that fails by itself (an error it
   * throws) is not retried: the same snapshot would fail the same way.
   */
  readonly maxAttempts?: number;
  /** A job whose holder on another host has not written for this long is taken over (default 10 min). */
  readonly leaseMs?: number;
  /** Least time between two progress writes to a job row (default 1000 ms). */
  readonly progressWriteMs?: number;
}

/**
 * The embedded job engine: the `jobs` table of the application's own database is the durable
 * queue, and a pool of worker threads runs the builds (`runBuild`, each thread on its own store
 * connection), so the event loop that serves requests never runs a cross-validation.
 *
 * - **Durable**: a job is a row before it runs; its holder (`host:pid:engine`), attempt count,
 *   progress (stage, fold i of n, candidate j of m) and error are in the row.
 * - **Crash safe**: registering a model is one transaction, so a process killed mid-build leaves
 *   no half-registered model; {@link recover} (the curator calls it at creation) retries the
 *   jobs a dead process held, up to `maxAttempts`, or marks them failed with their error.
 * - **Observable**: {@link subscribe} and `submit`'s `onProgress` see every progress step as it
 *   happens; the row gets the latest at most once per `progressWriteMs`.
 *
 * @example
 * const engine = new EmbeddedJobEngine({ store, url: 'sqlite:./data/curator.db' });
 * const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'manual' });
 * console.log(jobId, (await outcome).status);
 * await engine.close();
 */
export class EmbeddedJobEngine implements JobEngine {
  /** This engine's identity in the `owner` column. */
  readonly owner: string;
  private readonly repo: JobQueueRepo;
  private readonly pool: BuildWorkerPool;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly listeners = new Set<(e: JobEvent) => void>();
  private readonly running = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: EmbeddedJobEngineOptions) {
    const maxAttempts = options.maxAttempts ?? 2;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
      throw new CuratorError('INVALID_ARGUMENT', `EmbeddedJobEngine: maxAttempts must be an integer >= 1; got ${JSON.stringify(options.maxAttempts)}`, { field: 'maxAttempts' });
    }
    if (typeof options.url !== 'string' || /^sqlite:(\/\/)?:memory:$/.test(options.url)) {
      throw new CuratorError('INVALID_ARGUMENT', `EmbeddedJobEngine: url must name a database file or server that worker threads can open; got ${JSON.stringify(options.url)}`, { field: 'url' });
    }
    this.repo = options.store.jobs;
    this.pool = new BuildWorkerPool({ url: options.url, size: options.workers ?? 1, progressWriteMs: options.progressWriteMs ?? 1000 });
    this.maxAttempts = maxAttempts;
    this.leaseMs = options.leaseMs ?? 600_000;
    this.owner = JobOwner.create();
  }

  async submit(request: BuildRequest, options: SubmitOptions = {}): Promise<JobHandle> {
    if (this.closed) throw new CuratorError('INVALID_STATE', 'submit: the job engine is closed', { field: 'engine' });
    let jobId = request.jobId;
    if (jobId === undefined) {
      const job = await this.repo.enqueue({
        taskId: request.taskId, scope: request.scope, kind: 'build', params: { actor: request.actor, reason: request.reason }, owner: this.owner, maxAttempts: this.maxAttempts,
      });
      jobId = job.id;
    }
    this.emit({ type: 'queued', jobId, taskId: request.taskId, scope: request.scope });
    const outcome = this.track(this.execute(jobId, request, options.onProgress));
    return { jobId, outcome };
  }

  async recover(): Promise<RecoveredBuild[]> {
    const out: RecoveredBuild[] = [];
    for (const job of await this.repo.unfinished()) {
      if (job.owner === this.owner || !JobOwner.isGone(job.owner, job.updatedAt, this.leaseMs)) continue;
      const request = requestOf(job);
      if (job.status === 'running' && job.attempts >= job.maxAttempts) {
        const error = `the process running job #${job.id} (${job.owner ?? 'unknown'}) stopped during attempt ${job.attempts} of ${job.maxAttempts}; no attempt left`;
        if (await this.repo.fail(job.id, job.owner, error)) {
          this.emit({ type: 'failed', jobId: job.id, taskId: job.taskId, scope: job.scope, error });
          out.push({ jobId: job.id, request, action: 'failed', error });
        }
        continue;
      }
      if (!(await this.repo.takeOver(job.id, job.owner, this.owner))) continue;
      if (job.status === 'running') {
        const error = `the process running attempt ${job.attempts} (${job.owner ?? 'unknown'}) stopped`;
        this.emit({ type: 'retrying', jobId: job.id, taskId: job.taskId, scope: job.scope, attempt: job.attempts + 1, error });
      }
      const outcome = this.track(this.execute(job.id, request));
      out.push({ jobId: job.id, request, action: 'retried', outcome });
    }
    return out;
  }

  subscribe(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.pool.close();
    JobOwner.release(this.owner);
  }

  /**
   * Stops the worker threads at once, as a crash would, leaving their jobs 'running' for a
   * later {@link recover} (tests, and shutdown on a signal when waiting is not an option).
   */
  async abandon(): Promise<void> {
    this.closed = true;
    JobOwner.release(this.owner);
    await this.pool.terminate();
  }

  /** Runs attempts of one job until one ends the build or none is left. */
  private async execute(jobId: number, request: BuildRequest, onProgress?: (p: JobProgress) => void): Promise<BuildOutcome> {
    const { taskId, scope } = request;
    for (;;) {
      const attempt = await this.repo.claim(jobId, this.owner);
      if (attempt === undefined) {
        const job = await this.repo.get(jobId);
        throw new CuratorError('CONFLICT', `job #${jobId} is not queued for this engine (status ${job?.status ?? 'missing'}, held by ${job?.owner ?? 'nobody'})`, { field: 'jobId' });
      }
      this.emit({ type: 'started', jobId, taskId, scope, attempt });
      try {
        const outcome = await this.pool.run({
          jobId, attempt, request,
          onProgress: (p) => {
            onProgress?.(p);
            this.emit({ type: 'progress', jobId, taskId, scope, progress: p });
          },
        });
        await this.repo.release(jobId);
        this.emit({ type: 'succeeded', jobId, taskId, scope, outcome });
        return outcome;
      } catch (error) {
        if (this.closed && error instanceof BuildWorkerExit) throw error; // abandoned: the row stays for recovery
        const message = error instanceof Error ? error.message : String(error);
        const job = await this.repo.get(jobId);
        const max = job?.maxAttempts ?? this.maxAttempts;
        if (error instanceof BuildWorkerExit && attempt < max && (await this.repo.takeOver(jobId, this.owner, this.owner))) {
          this.emit({ type: 'retrying', jobId, taskId, scope, attempt: attempt + 1, error: message });
          continue;
        }
        // The build marks its own failures; this covers a dead worker and a build that could not write.
        await this.repo.fail(jobId, this.owner, error instanceof BuildWorkerExit ? `${message}; attempt ${attempt} of ${max}` : message);
        await this.repo.release(jobId);
        this.emit({ type: 'failed', jobId, taskId, scope, error: message });
        throw error;
      }
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const done = (): void => void this.running.delete(p);
    p.then(done, done);
    return p;
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

/** The build request a job row stands for (what `submit`/`runBuild` put in its params). */
function requestOf(job: QueuedJob): BuildRequest & { scope: Scope } {
  const actor = typeof job.params['actor'] === 'string' ? job.params['actor'] : 'curator';
  const reason = typeof job.params['reason'] === 'string' ? job.params['reason'] : 'recovered job';
  return { taskId: job.taskId, scope: job.scope, actor, reason, jobId: job.id };
}
