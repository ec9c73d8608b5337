import { JobEngineBuildRunner } from './job-engine-build-runner.ts';
import { EmbeddedJobEngine, type EmbeddedJobEngineOptions } from './embedded-job-engine.ts';

/**
 * The curator's build runner on the embedded job engine: every build is a durable job run by a
 * worker thread, so `curator.build()` never blocks the event loop, and builds a crashed process
 * left behind are retried when the next curator opens the same database. The default of
 * `createCurator` for a database URL other than `sqlite::memory:` (an in-memory SQLite database
 * lives in one connection, which a worker thread cannot share, so it keeps the in-process runner).
 *
 * @example
 * const runner = new WorkerBuildRunner({ store, url: 'sqlite:./data/curator.db', workers: 2 });
 * const curator = await createCurator({ store, buildRunner: runner });
 */
export class WorkerBuildRunner extends JobEngineBuildRunner<EmbeddedJobEngine> {
  constructor(options: EmbeddedJobEngineOptions) {
    super(new EmbeddedJobEngine(options));
  }
}
