import { JobEngineBuildRunner } from './job-engine-build-runner.ts';
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
export class BullmqBuildRunner extends JobEngineBuildRunner<BullmqJobEngine> {
  constructor(options: BullmqJobEngineOptions) {
    super(new BullmqJobEngine(options));
  }
}
