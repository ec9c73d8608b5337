import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { openModelChangeBus } from '../lifecycle/model-change-bus-open.ts';
import type { ModelChangeBus } from '../lifecycle/model-change-bus.ts';
import { CuratorError } from '../ml/errors.ts';
import { openStore, type Store } from '../store/index.ts';
import { redact, resolveQueues, type Stage } from './bullmq-queues.ts';
import { BullmqWorker, type BullmqWorkerOptions } from './bullmq-worker.ts';

/** Options of {@link runWorker} (what `curator worker --queue … --db …` passes). */
export interface RunWorkerOptions {
  /** Redis URL of the queues (`--queue redis://127.0.0.1:6379`). */
  readonly queue: string;
  /** Database URL (`--db postgres://…`), the one the API servers use. */
  readonly db: string;
  /** Base name of the queues (default env CURATOR_QUEUE_NAME, else 'curator'); must match the API servers'. */
  readonly queueName?: string;
  /** BullMQ's Redis key prefix (default env CURATOR_QUEUE_PREFIX, else 'bull'). */
  readonly prefix?: string;
  /** Where promotions are announced to the API servers: a postgres:// or redis:// URL (default: `db` when it is PostgreSQL, else none). */
  readonly changes?: string | false;
  readonly stages?: readonly Stage[];
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  readonly maxStalledCount?: number;
  readonly progressWriteMs?: number;
  /** Log lines (default: stderr with a timestamp). */
  readonly log?: (line: string) => void;
  /** Stops the worker gracefully when aborted (e.g. on SIGTERM). */
  readonly signal?: AbortSignal;
  /** Longest wait between two connection attempts at start (default 30 s). */
  readonly maxBackoffMs?: number;
  /** Fault injection for tests (see BullmqWorkerOptions.beforeJob). */
  readonly beforeJob?: BullmqWorkerOptions['beforeJob'];
}

/** A running worker. */
export interface WorkerHandle {
  readonly worker: BullmqWorker;
  readonly store: Store;
  /** Finishes the jobs in hand, then disconnects from Redis and the database. */
  close(): Promise<void>;
  /** Settles when the worker has stopped (after `close` or the abort signal). */
  readonly stopped: Promise<void>;
}

/**
 * Runs a build worker: connects to the database and Redis, retrying with exponential backoff
 * (and saying why) while either is unreachable, then takes plan, cross-validation and fan-in
 * jobs until closed or aborted. What `curator worker --queue redis://… --db postgres://…` runs.
 *
 * @example
 * const ac = new AbortController();
 * process.once('SIGTERM', () => ac.abort());
 * const handle = await runWorker({ queue: 'redis://127.0.0.1:6379', db: 'postgres://postgres@127.0.0.1/curator', signal: ac.signal });
 * await handle.stopped;
 */
export async function runWorker(options: RunWorkerOptions): Promise<WorkerHandle> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} worker ${process.pid}: ${line}\n`));
  if (typeof options.db !== 'string' || options.db === '') throw new CuratorError('INVALID_ARGUMENT', 'runWorker: db must be a database URL', { field: 'db' });
  if (/^sqlite:/.test(options.db)) log('warning: a SQLite database only works for workers on this machine; use PostgreSQL to scale out');
  const queueName = options.queueName ?? process.env['CURATOR_QUEUE_NAME'];
  const prefix = options.prefix ?? process.env['CURATOR_QUEUE_PREFIX'];
  const queues = resolveQueues('runWorker', { redis: options.queue, ...(queueName ? { queue: queueName } : {}), ...(prefix ? { prefix } : {}) });
  const maxBackoff = options.maxBackoffMs ?? 30_000;

  const store = await retrying(`database ${redact(options.db)}`, () => openStore(options.db, { poolSize: 4 }), log, maxBackoff, options.signal);
  try {
    await retrying(`redis ${redact(options.queue)}`, () => ping(options.queue), log, maxBackoff, options.signal);
    const changesUrl = options.changes ?? (/^postgres(ql)?:/.test(options.db) ? options.db : false);
    let changes: ModelChangeBus | undefined;
    if (changesUrl !== false) changes = await retrying('model change bus', () => openModelChangeBus(changesUrl), log, maxBackoff, options.signal);
    const worker = new BullmqWorker({
      store, redis: queues.redis, queue: queues.queue, prefix: queues.prefix, log,
      ...(options.stages ? { stages: options.stages } : {}),
      ...(options.lockDurationMs ? { lockDurationMs: options.lockDurationMs } : {}),
      ...(options.stalledIntervalMs ? { stalledIntervalMs: options.stalledIntervalMs } : {}),
      ...(options.maxStalledCount ? { maxStalledCount: options.maxStalledCount } : {}),
      ...(options.progressWriteMs ? { progressWriteMs: options.progressWriteMs } : {}),
      ...(options.beforeJob ? { beforeJob: options.beforeJob } : {}),
      ...(changes ? { changes } : {}),
    });
    await worker.start();
    log(`taking builds from ${redact(queues.redis)} (queues ${queues.queue}-plan|cv|fanin), database ${redact(options.db)}`);
    let closing: Promise<void> | undefined;
    let resolveStopped!: () => void;
    const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
    const close = (): Promise<void> =>
      (closing ??= (async () => {
        log('stopping: finishing the jobs in hand');
        await worker.close();
        await changes?.close();
        await store.close();
        log('stopped');
        resolveStopped();
      })());
    options.signal?.addEventListener('abort', () => void close(), { once: true });
    return { worker, store, close, stopped };
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function ping(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Calls `fn` until it succeeds, waiting 0.5 s, 1 s, 2 s … (at most `maxMs`) between attempts and logging each failure. */
async function retrying<T>(what: string, fn: () => Promise<T>, log: (line: string) => void, maxMs: number, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (signal?.aborted) throw error;
      const delay = Math.min(maxMs, 500 * 2 ** (attempt - 1));
      log(`${what} is unreachable (${error instanceof Error ? error.message : String(error)}); attempt ${attempt}, retrying in ${delay} ms`);
      await sleep(delay, undefined, signal ? { signal } : {});
    }
  }
}
