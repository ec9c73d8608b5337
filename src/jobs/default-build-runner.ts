import { InProcessBuildRunner, type BuildRunner } from '../lifecycle/build-runner.ts';
import { CuratorError } from '../ml/errors.ts';
import type { Store } from '../store/index.ts';
import { WorkerBuildRunner } from './worker-build-runner.ts';

/** How a curator runs builds when it is not handed a runner (`CuratorConfig.jobs`). */
export interface JobsConfig {
  /**
   * 'worker' (the default when the curator opens a database URL itself, other than
   * `sqlite::memory:`): durable jobs run by worker threads, the event loop stays free.
   * 'in-process' (the default for an open Store, whose URL the workers would not know, and for
   * `sqlite::memory:`, which lives in a single connection no thread can share): builds run on
   * the caller's event loop and are not recovered after a crash.
   */
  readonly engine?: 'worker' | 'in-process';
  /** Worker threads (default 1): builds of different tasks or scopes run side by side up to this. */
  readonly workers?: number;
  /** Attempts per job when a process or worker dies mid-build (default 2). */
  readonly maxAttempts?: number;
  /** Least time between two progress writes to a job row (default 1000 ms). */
  readonly progressWriteMs?: number;
}

const IN_MEMORY = /^sqlite:(\/\/)?:memory:$/;

/**
 * The build runner for a curator's store: worker threads on a durable job table where the
 * database can be opened again from another thread, in process otherwise (see {@link JobsConfig}).
 *
 * @example const runner = defaultBuildRunner(store, 'sqlite:./data/curator.db', { workers: 2 });
 */
export function defaultBuildRunner(store: Store, url: string | undefined, jobs: JobsConfig = {}): BuildRunner {
  const shareable = url !== undefined && !IN_MEMORY.test(url);
  const engine = jobs.engine ?? (shareable ? 'worker' : 'in-process');
  if (engine !== 'worker' && engine !== 'in-process') {
    throw new CuratorError('INVALID_ARGUMENT', `createCurator: jobs.engine must be 'worker' or 'in-process'; got ${JSON.stringify(engine)}`, { field: 'jobs.engine' });
  }
  if (engine === 'in-process') return new InProcessBuildRunner(store);
  if (!shareable) {
    throw new CuratorError('INVALID_ARGUMENT', `createCurator: jobs.engine 'worker' needs a database URL that worker threads can open (not an open Store, not sqlite::memory:); got ${url === undefined ? 'an open Store' : JSON.stringify(url)}`, { field: 'jobs.engine' });
  }
  return new WorkerBuildRunner({
    store, url,
    ...(jobs.workers === undefined ? {} : { workers: jobs.workers }),
    ...(jobs.maxAttempts === undefined ? {} : { maxAttempts: jobs.maxAttempts }),
    ...(jobs.progressWriteMs === undefined ? {} : { progressWriteMs: jobs.progressWriteMs }),
  });
}
