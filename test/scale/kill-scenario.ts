/*
 * One build with a worker SIGKILLed in the middle of a cross-validation sub-job: shared by the
 * scale-out test and the kill loop (`npx tsx test/scale/kill-loop.ts`).
 */
import type { Store } from '../../src/store/index.ts';
import { api, type Child } from './cluster.ts';
import { until } from './helpers.ts';

/** What happened to one build with a kill. */
export interface KillResult {
  readonly jobId: number;
  readonly status: string;
  readonly error: string | null;
  /** Models the build registered (must be 1). */
  readonly models: number;
  readonly killed: Child;
  /** The BullMQ sub-job the killed worker was running. */
  readonly subJob: number;
  /** The worker that ran that sub-job again after the kill (undefined if none did). */
  readonly takenOverBy: Child | undefined;
  readonly wallMs: number;
}

/**
 * Starts a build through an API server, SIGKILLs the first worker that starts a cv sub-job of it
 * (the kill lands while that sub-job runs), waits for the build to end and counts its models.
 */
export async function buildWithKill(o: { base: string; token: string; taskId: string; workers: readonly Child[]; store: Store; timeoutMs?: number }): Promise<KillResult> {
  const t0 = Date.now();
  const marks = o.workers.map((w) => w.lines.length);
  const started = await api<{ jobId: number }>(o.base, o.token, 'POST', `/v1/tasks/${o.taskId}/builds`, { reason: 'kill test' });
  const jobId = started.jobId;
  const pattern = new RegExp(`^build #${jobId}: cv sub-job (\\d+) `);
  const hits = o.workers.map((w, i) =>
    w.waitFor((l, ) => l['event'] === 'log' && pattern.test(String(l['line'])) && w.lines.indexOf(l) >= marks[i]!, o.timeoutMs ?? 60_000).then((l) => ({ w, l })),
  );
  const first = await Promise.any(hits);
  await first.w.kill();
  const subJob = Number(pattern.exec(String(first.l['line']))![1]);
  const job = await until(`job #${jobId} to end`, async () => {
    const j = await api<{ status: string; error: string | null }>(o.base, o.token, 'GET', `/v1/jobs/${jobId}`);
    return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
  }, o.timeoutMs ?? 60_000, 100);
  const models = (await o.store.models.listAll({ taskId: o.taskId })).filter((m) => m.jobId === jobId).length;
  const again = new RegExp(`^build #${jobId}: cv sub-job ${subJob} `);
  const takenOverBy = o.workers.find((w) => w !== first.w && w.log.some((l) => again.test(l)));
  return { jobId, status: job.status, error: job.error, models, killed: first.w, subJob, takenOverBy, wallMs: Date.now() - t0 };
}
