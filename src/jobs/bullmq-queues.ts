import type { ConnectionOptions, JobsOptions } from 'bullmq';
import { CuratorError } from '../ml/errors.ts';

/** The three stages of a distributed build, each its own BullMQ queue. */
export const STAGES = ['plan', 'cv', 'fanin'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * How a build fans out: one sub-job per fold (every candidate on that fold's features, built
 * once), per candidate (every fold of one candidate), or per (candidate × fold) cell.
 */
export type Granularity = 'fold' | 'candidate' | 'cell';

/** Where the queues live and how their jobs retry; the engine and every worker must agree on it. */
export interface QueueSettings {
  /** `redis://[user:pass@]host:port[/db]`. */
  readonly redis: string;
  /** Base name of the queues (`<queue>-plan`, `<queue>-cv`, `<queue>-fanin`); one per database. Default 'curator'. */
  readonly queue?: string;
  /** Redis key prefix of BullMQ (default 'bull'). */
  readonly prefix?: string;
}

/** Attempts and backoff of every sub-job. */
export interface RetrySettings {
  /** Attempts per sub-job before it (and the build) fails (default 3). */
  readonly attempts?: number;
  /** First retry delay; each next one doubles (default 1000 ms). */
  readonly backoffMs?: number;
}

/** The settings with defaults filled in and checked. */
export interface ResolvedQueues {
  readonly redis: string;
  readonly queue: string;
  readonly prefix: string;
  readonly connection: ConnectionOptions;
}

/** Checks the queue settings and fills in defaults. */
export function resolveQueues(fn: string, s: QueueSettings): ResolvedQueues {
  if (typeof s?.redis !== 'string' || !/^rediss?:\/\//.test(s.redis)) {
    throw new CuratorError('INVALID_ARGUMENT', `${fn}: the queue URL must be redis://host:port; got ${JSON.stringify(s?.redis)}`, { field: 'queue' });
  }
  const queue = s.queue ?? 'curator';
  if (!/^[\w.-]{1,80}$/.test(queue)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: queue name must be 1-80 letters, digits, '_', '.', '-'; got ${JSON.stringify(queue)}`, { field: 'queueName' });
  const prefix = s.prefix ?? 'bull';
  if (!/^[\w.-]{1,80}$/.test(prefix)) throw new CuratorError('INVALID_ARGUMENT', `${fn}: prefix must be 1-80 letters, digits, '_', '.', '-'; got ${JSON.stringify(prefix)}`, { field: 'prefix' });
  return { redis: s.redis, queue, prefix, connection: redisConnection(s.redis) };
}

/**
 * ioredis options for BullMQ: commands wait for a reconnect instead of failing
 * (`maxRetriesPerRequest: null`, which BullMQ requires of workers), and reconnects back off to 5 s.
 */
export function redisConnection(url: string): ConnectionOptions {
  return { url, maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(5000, 100 * 2 ** Math.min(times, 6)) };
}

/** The queue a stage's jobs go to. */
export function stageQueue(q: ResolvedQueues, stage: Stage): string {
  return `${q.queue}-${stage}`;
}

/** BullMQ job id of a build's stage job: `b<jobId>-plan`, `b<jobId>-fanin`, `b<jobId>-cv-<i>` (fixed, so adding twice adds once). */
export function bullJobId(jobId: number, stage: Stage, index?: number): string {
  return stage === 'cv' ? `b${jobId}-cv-${index ?? 0}` : `b${jobId}-${stage}`;
}

/** The `jobs` row id a BullMQ job id belongs to (undefined for a foreign id). */
export function buildIdOf(bullId: string | undefined): number | undefined {
  const m = /^b(\d+)-/.exec(bullId ?? '');
  return m === null ? undefined : Number(m[1]);
}

/** Options of every sub-job: attempts with exponential backoff; finished jobs expire (the `jobs` row keeps the record). */
export function jobOptions(r: RetrySettings): JobsOptions {
  const attempts = r.attempts ?? 3;
  const backoffMs = r.backoffMs ?? 1000;
  if (!Number.isSafeInteger(attempts) || attempts < 1) throw new CuratorError('INVALID_ARGUMENT', `attempts must be an integer >= 1; got ${JSON.stringify(r.attempts)}`, { field: 'attempts' });
  if (!Number.isFinite(backoffMs) || backoffMs < 0) throw new CuratorError('INVALID_ARGUMENT', `backoffMs must be a number >= 0; got ${JSON.stringify(r.backoffMs)}`, { field: 'backoffMs' });
  return {
    attempts,
    backoff: { type: 'exponential', delay: backoffMs },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 86_400 },
  };
}

/** A URL with its password hidden, for logs. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/:]*)(:[^@/]*)?@/, (_m, user: string) => `//${user}${user ? ':…' : '…'}@`);
}
