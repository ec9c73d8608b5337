/*
 * A `curator worker` child process for the scale-out test and bench: runWorker on the given
 * database and queues, each log line on stdout as JSON (the parent sees which sub-job it runs).
 * argv: <db url> <redis url> <queue name> <prefix> [lockDurationMs]; env CURATOR_TEST_CRASH_STAGE: see below.
 */
import { runWorker } from '../../src/jobs/worker-process.ts';

const [db, redis, queue, prefix, lock] = process.argv.slice(2);
const out = (o: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ pid: process.pid, at: Date.now(), ...o })}\n`);
const handle = await runWorker({
  db: db!, queue: redis!, queueName: queue!, prefix: prefix!, lockDurationMs: Number(lock ?? 3000), stalledIntervalMs: 1000, maxStalledCount: 2,
  log: (line) => out({ event: 'log', line }),
  // Fault injection: CURATOR_TEST_CRASH_STAGE=cv makes this process die (SIGKILL) on taking a cv job.
  ...(process.env['CURATOR_TEST_CRASH_STAGE']
    ? { beforeJob: (stage: string) => void (stage === process.env['CURATOR_TEST_CRASH_STAGE'] && process.kill(process.pid, 'SIGKILL')) }
    : {}),
});
out({ event: 'ready' });
process.once('SIGTERM', () => void handle.close().then(() => process.exit(0)));
