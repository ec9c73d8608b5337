import type { Store } from '../store/index.ts';
import { runBuild, type BuildOutcome, type BuildProgress, type BuildRequest } from './build.ts';

/**
 * How builds run. The curator only asks a runner to run a request and waits for the outcome, so
 * an engine with a durable job table and worker threads (each running {@link runBuild} on its
 * own store) can replace the in-process one without changing the curator.
 */
export interface BuildRunner {
  run(request: BuildRequest, onProgress?: (p: BuildProgress) => void): Promise<BuildOutcome>;
  /**
   * Takes over the builds a stopped process left unfinished (durable runners only; the curator
   * calls it once at creation).
   */
  recover?(): Promise<RecoveredBuild[]>;
  /** Waits for running builds and releases threads/connections the runner owns. */
  close(): Promise<void>;
}

/** A build a stopped process left unfinished, as a runner found it. */
export interface RecoveredBuild {
  readonly jobId: number;
  readonly request: BuildRequest;
  /** 'retried': running again, `outcome` settles when it ends; 'failed': no attempt left, marked failed with `error`. */
  readonly action: 'retried' | 'failed';
  readonly outcome?: Promise<BuildOutcome>;
  readonly error?: string;
}

/**
 * Runs builds on the caller's event loop, with the curator's store: simple and fine for tests
 * and small corpora; the CV blocks the loop while it runs.
 *
 * @example const runner = new InProcessBuildRunner(store);
 */
export class InProcessBuildRunner implements BuildRunner {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly store: Store) {}

  run(request: BuildRequest, onProgress?: (p: BuildProgress) => void): Promise<BuildOutcome> {
    const p = runBuild(this.store, request, onProgress === undefined ? {} : { onProgress });
    this.running.add(p);
    const done = (): void => void this.running.delete(p);
    p.then(done, done);
    return p;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
