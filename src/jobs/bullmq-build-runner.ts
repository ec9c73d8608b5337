import type { BuildOutcome, BuildProgress, BuildRequest } from '../lifecycle/build.ts';
import type { BuildRunner, RecoveredBuild } from '../lifecycle/build-runner.ts';
import { BullmqJobEngine, type BullmqJobEngineOptions } from './bullmq-job-engine.ts';

/**
 * The curator's build runner on the distributed engine: `curator.build()` queues the build on
 * Redis and waits for the `curator worker` processes to finish it. Give it to `createCurator`
 * on every API server of a scaled-out deployment.
 *
 * @example
 * const runner = new BullmqBuildRunner({ store, redis: 'redis://127.0.0.1:6379' });
 * const curator = await createCurator({ store, buildRunner: runner });
 */
export class BullmqBuildRunner implements BuildRunner {
  /** The engine underneath: subscribe to it for every job's events. */
  readonly engine: BullmqJobEngine;

  constructor(options: BullmqJobEngineOptions) {
    this.engine = new BullmqJobEngine(options);
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
