/**
 * src/jobs: how builds run. One interface ({@link JobEngine}), engines behind it: the embedded
 * engine (the `jobs` table as a durable queue plus a worker-thread pool) and the distributed one
 * (BullMQ queues on Redis feeding `curator worker` processes: `BullmqJobEngine`, `runWorker`).
 *
 * @example
 * import { WorkerBuildRunner } from './jobs/index.ts';
 * const curator = await createCurator({ store, buildRunner: new WorkerBuildRunner({ store, url }) });
 */
export type { JobEngine, JobEvent, JobHandle, JobProgress, SubmitOptions } from './job-engine.ts';
export { EmbeddedJobEngine, type EmbeddedJobEngineOptions } from './embedded-job-engine.ts';
export { BuildWorkerPool, BuildWorkerExit, type BuildWorkerPoolOptions, type PoolTask } from './build-worker-pool.ts';
export { JobEngineBuildRunner } from './job-engine-build-runner.ts';
export { WorkerBuildRunner } from './worker-build-runner.ts';
export { defaultBuildRunner, type JobsConfig } from './default-build-runner.ts';
export { JobOwner } from './job-owner.ts';
export { BullmqJobEngine, type BullmqJobEngineOptions } from './bullmq-job-engine.ts';
export { BullmqBuildRunner } from './bullmq-build-runner.ts';
export { BullmqWorker, type BullmqWorkerOptions } from './bullmq-worker.ts';
export { runWorker, type RunWorkerOptions, type WorkerHandle } from './worker-process.ts';
export type { Granularity, QueueSettings, RetrySettings, Stage } from './bullmq-queues.ts';
