import type { BuildOutcome, BuildProgress, BuildRequest } from '../lifecycle/build.ts';
import type { BuildRunner, RecoveredBuild } from '../lifecycle/build-runner.ts';
import type { JobEngine } from './job-engine.ts';

/**
 * A curator's build runner over any job engine: `run` submits a durable job and waits for its
 * outcome; `engine` stays reachable so the curator (and the HTTP server's event streams) can
 * subscribe to every job's events.
 */
export class JobEngineBuildRunner<E extends JobEngine> implements BuildRunner {
  /** The engine underneath: subscribe to it for every job's events. */
  readonly engine: E;

  constructor(engine: E) {
    this.engine = engine;
  }

  async run(request: BuildRequest, onProgress?: (p: BuildProgress) => void): Promise<BuildOutcome> {
    const { outcome } = await this.engine.submit(request, onProgress === undefined ? {} : { onProgress });
    return outcome;
  }

  recover(): Promise<RecoveredBuild[]> {
    return this.engine.recover();
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}
