import type { FastifyReply } from 'fastify';
import type { ListedJob } from '../store/index.ts';
import { hidden } from './access.ts';
import type { RouteDeps } from './context.ts';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Streams a job as server-sent events until it ends: `job` with the job row whenever its status,
 * progress or detail changes; the engine's own events (`started`, `progress`, `retrying`,
 * `succeeded`, `failed`) as they happen when the engine reports them (worker threads do);
 * finally `end` with the status, and the stream closes. The row is re-read every `jobPollMs`,
 * so builds run elsewhere (another server, a worker process) are followed too.
 */
export async function streamJobEvents(reply: FastifyReply, deps: RouteDeps, jobId: number): Promise<void> {
  const listing = deps.curator.store.listing;
  const first = await listing.getJob(jobId);
  if (first === undefined) throw hidden(`job ${jobId}`, 'id');
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  raw.write('retry: 2000\n\n');
  let closed = false;
  let last = '';
  let quiet = 0;
  const send = (event: string, data: unknown): void => {
    if (!closed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const finish = (): void => {
    if (closed) return;
    closed = true;
    clearInterval(timer);
    unsubscribe?.();
    deps.openStreams.delete(finish);
    raw.end();
  };
  deps.openStreams.add(finish);
  const emitRow = (job: ListedJob): void => {
    const key = `${job.status}|${job.progress}|${job.attempts}|${JSON.stringify(job.detail)}`;
    if (key !== last) {
      last = key;
      quiet = 0;
      send('job', job);
    } else if (++quiet % 30 === 0) {
      raw.write(': still running\n\n'); // keeps proxies from closing an idle stream
    }
    if (FINISHED.has(job.status)) {
      send('end', { jobId, status: job.status, error: job.error });
      finish();
    }
  };
  const poll = async (): Promise<void> => {
    if (closed) return;
    try {
      const job = await listing.getJob(jobId);
      if (job !== undefined) emitRow(job);
    } catch (error) {
      send('error', { message: error instanceof Error ? error.message : String(error) });
      finish();
    }
  };
  const unsubscribe = deps.curator.subscribeJobs((event) => {
    if (event.jobId !== jobId) return;
    send(event.type, event);
    if (event.type === 'succeeded' || event.type === 'failed') void poll();
  });
  const timer = setInterval(() => void poll(), deps.jobPollMs);
  raw.on('close', finish);
  emitRow(first);
}
