import type { BuildOutcome, BuildProgress, BuildRequest } from '../lifecycle/build.ts';
import type { RecoveredBuild } from '../lifecycle/build-runner.ts';
import type { Scope } from '../store/index.ts';

/** Where a job is: the build's progress plus "candidate j of m" during cross-validation. */
export interface JobProgress extends BuildProgress {
  readonly jobId: number;
  /** Which attempt of the job, 1-based. */
  readonly attempt: number;
  /** 1-based index of `candidate` among the `candidates` cross-validated (during 'cv'). */
  readonly candidateIndex?: number;
  readonly candidates?: number;
}

/** What an engine reports about the jobs it runs, in order per job. */
export type JobEvent =
  | { readonly type: 'queued'; readonly jobId: number; readonly taskId: string; readonly scope: Scope }
  | { readonly type: 'started'; readonly jobId: number; readonly taskId: string; readonly scope: Scope; readonly attempt: number }
  | { readonly type: 'progress'; readonly jobId: number; readonly taskId: string; readonly scope: Scope; readonly progress: JobProgress }
  | { readonly type: 'retrying'; readonly jobId: number; readonly taskId: string; readonly scope: Scope; readonly attempt: number; readonly error: string }
  | { readonly type: 'succeeded'; readonly jobId: number; readonly taskId: string; readonly scope: Scope; readonly outcome: BuildOutcome }
  | { readonly type: 'failed'; readonly jobId: number; readonly taskId: string; readonly scope: Scope; readonly error: string };

/** A submitted job: its durable id at once, its outcome when it ends. */
export interface JobHandle {
  readonly jobId: number;
  /** Settles with the build's outcome, or rejects with its error once no attempt is left. */
  readonly outcome: Promise<BuildOutcome>;
}

/** Options of {@link JobEngine.submit}. */
export interface SubmitOptions {
  readonly onProgress?: (p: JobProgress) => void;
}

/**
 * How builds are queued and run, whatever runs them: the embedded engine (a durable job table in
 * the application's database and a worker-thread pool in its process) or a distributed one
 * (a queue on PostgreSQL or Redis feeding `curator worker` processes). Every job has a row in
 * the `jobs` table either way, so its status, attempts, progress and error are readable by id.
 *
 * @example
 * const { jobId, outcome } = await engine.submit({ taskId: 'spam', scope: GLOBAL, actor: 'ana', reason: 'manual' });
 * const stop = engine.subscribe((e) => e.type === 'progress' && console.log(e.progress.fold, e.progress.folds));
 * await outcome;
 */
export interface JobEngine {
  /** Queues a build durably (a `jobs` row), then runs it when a worker is free. */
  submit(request: BuildRequest, options?: SubmitOptions): Promise<JobHandle>;
  /**
   * Finds jobs that a stopped process left queued or running: retries those with attempts
   * left and marks the others failed with their error.
   */
  recover(): Promise<RecoveredBuild[]>;
  /** Listens to every job's events; returns the function that stops listening. */
  subscribe(listener: (event: JobEvent) => void): () => void;
  /** Waits for queued and running jobs, then releases threads and connections. */
  close(): Promise<void>;
}
