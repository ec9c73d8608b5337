import { createHash, hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { CuratorError, type ErrorCode } from '../ml/errors.ts';
import type { NewReferencedPrediction } from '../store/lifecycle-repo.ts';
import type { Store } from '../store/index.ts';

/** Options of {@link PredictionLog}. */
export interface PredictionLogOptions {
  /** Flush as soon as this many predictions wait (default 256). */
  readonly maxBatch?: number;
  /** Flush at most this long after a prediction arrives (default 200 ms). */
  readonly flushIntervalMs?: number;
  /**
   * Most predictions held while the database refuses writes (default 100,000); beyond it the
   * oldest are dropped and counted, so a database outage cannot exhaust memory.
   */
  readonly maxBuffered?: number;
  /**
   * A database URL (the store's own): batches are then written by a worker thread on its own
   * connection to it, so a commit's fsync never blocks the event loop (a 256-row commit with
   * synchronous = FULL takes 4-30 ms on SQLite). Durability is unchanged: `flush` still resolves
   * only once the batch is committed. Without it, batches are written through `store` on this thread.
   */
  readonly url?: string;
}

/**
 * A prediction as the log buffers it: with `input`, its `inputRef` is the input's SHA-256 (hex),
 * computed when the batch is written (on the writer thread when there is one), not on the
 * request path.
 */
export type PendingPrediction = NewReferencedPrediction & { readonly input?: string };

// crypto.hash (Node ≥ 20.12) is the one-shot form, ~2x faster than a Hash object for a short text.
const sha256 = typeof hash === 'function' ? (text: string): string => hash('sha256', text) : (text: string): string => createHash('sha256').update(text).digest('hex');

/** The rows to insert: every `input` replaced by its hash in `inputRef`. */
export function resolveInputRefs(batch: readonly PendingPrediction[]): NewReferencedPrediction[] {
  return batch.map((p) => {
    if (p.input === undefined) return p;
    const { input, ...row } = p;
    return { ...row, inputRef: sha256(input) };
  });
}

/** The writer thread's start data. */
export interface LogThreadData {
  readonly url: string;
}
/** Main thread → writer thread. */
export type LogThreadRequest = { readonly type: 'write'; readonly id: number; readonly rows: readonly PendingPrediction[] } | { readonly type: 'close' };
/** Writer thread → main thread: the outcome of write `id` (-1: closed). */
export type LogThreadReply =
  | { readonly id: number; readonly ok: true }
  | { readonly id: number; readonly ok: false; readonly message: string; readonly code: ErrorCode | undefined; readonly field: string | undefined };

/** Counters of a prediction log. */
export interface PredictionLogStats {
  readonly logged: number;
  readonly pending: number;
  readonly dropped: number;
  readonly failedFlushes: number;
  readonly lastError: string | null;
}

/**
 * The prediction log, off the request path: `append` only pushes to a buffer; batches are
 * written in one transaction each (one commit, one fsync on SQLite) when the buffer reaches
 * `maxBatch`, `flushIntervalMs` after the first waiting prediction, and on `close`. A failed
 * write keeps its rows for the next attempt.
 *
 * @example
 * const log = new PredictionLog(store, { maxBatch: 512 });
 * log.append({ ref, taskId: 'spam', modelId: 3, modelIds: [3], userId: null, inputRef: hash, output: 'spam',
 *   probabilities: { ham: 0.1, spam: 0.9 }, latencyMs: 0.04, createdAt: new Date() });
 * await log.close();
 */
export class PredictionLog {
  private buffer: PendingPrediction[] = [];
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** The write queued behind the running one, not started yet. */
  private queued: Promise<void> | undefined;
  private closed = false;
  private logged = 0;
  private dropped = 0;
  private failedFlushes = 0;
  private lastError: string | null = null;
  private readonly maxBatch: number;
  private readonly intervalMs: number;
  private readonly maxBuffered: number;
  private readonly thread: LogThread | undefined;

  constructor(
    private readonly store: Store,
    options: PredictionLogOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.intervalMs = options.flushIntervalMs ?? 200;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.thread = options.url === undefined ? undefined : new LogThread(options.url);
  }

  /**
   * Queues one prediction; never waits and never throws for the database. With `input`, the
   * row's `inputRef` becomes that text's SHA-256, computed when the batch is written.
   */
  append(p: NewReferencedPrediction, input?: string): void {
    this.buffer.push(input === undefined ? p : { ...p, input });
    this.waiting.add(p.ref);
    if (this.buffer.length > this.maxBuffered) {
      const gone = this.buffer.splice(0, this.buffer.length - this.maxBuffered);
      for (const g of gone) this.waiting.delete(g.ref);
      this.dropped += gone.length;
    }
    if (this.buffer.length >= this.maxBatch) {
      void this.flush();
    } else if (this.timer === undefined && !this.closed) {
      this.timer = setTimeout(() => void this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** True while a prediction with this reference is buffered or being written. */
  isPending(ref: string): boolean {
    return this.waiting.has(ref);
  }

  /** Writes everything buffered so far; resolves once it is durable (rejects if the write failed). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // A write not started yet takes the whole buffer when it starts, so it covers this call too:
    // while a batch is being committed, appends past maxBatch share one queued write instead of
    // chaining one each (a commit on the writer thread lasts milliseconds, hundreds of appends).
    if (this.queued !== undefined) return this.queued;
    const next = this.writing.then(() => {
      this.queued = undefined;
      return this.writeBatch();
    });
    this.queued = next;
    this.writing = next.catch(() => {});
    return next;
  }

  private async writeBatch(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      if (this.thread !== undefined) await this.thread.write(batch);
      else {
        const rows = resolveInputRefs(batch);
        await this.store.transaction(async (tx) => tx.lifecycle.logPredictions(rows));
      }
      this.logged += batch.length;
      for (const p of batch) this.waiting.delete(p.ref);
      this.lastError = null;
    } catch (error) {
      this.failedFlushes++;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.buffer = batch.concat(this.buffer);
      if (!this.closed && this.timer === undefined) {
        this.timer = setTimeout(() => void this.flush(), this.intervalMs);
        this.timer.unref();
      }
      throw error;
    }
  }

  get stats(): PredictionLogStats {
    return { logged: this.logged, pending: this.buffer.length, dropped: this.dropped, failedFlushes: this.failedFlushes, lastError: this.lastError };
  }

  /** Flushes and stops the timer; later appends are still written by an explicit `flush`. */
  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      await this.thread?.close();
    }
  }
}

/*
 * How a worker loads TypeScript: as in jobs/build-worker-pool.ts, from .ts source the thread
 * starts from a bootstrap that registers tsx's hooks in that thread, then imports the entry.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './prediction-log-thread.ts' : './prediction-log-thread.js', import.meta.url);

/**
 * The writer thread, started on the first write and again after a crash; between writes it
 * does not keep the process alive. One write at a time (PredictionLog serializes them).
 */
class LogThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(): void; reject(e: unknown): void }>();

  constructor(private readonly url: string) {}

  private start(): Worker {
    const data: LogThreadData = { url: this.url };
    let w: Worker;
    if (FROM_SOURCE) {
      const tsx = import.meta.resolve('tsx/esm/api');
      const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
      w = new Worker(boot, { eval: true, execArgv: [], workerData: data });
    } else {
      w = new Worker(ENTRY, { workerData: data });
    }
    w.on('message', (m: LogThreadReply) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve();
      else p.reject(m.code === undefined ? new Error(m.message) : new CuratorError(m.code, m.message, m.field === undefined ? {} : { field: m.field }));
    });
    const fail = (error: Error): void => {
      if (this.worker === w) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`prediction log writer thread exited with code ${code}`)));
    w.unref();
    return w;
  }

  private send(m: LogThreadRequest, id: number): Promise<void> {
    const w = (this.worker ??= this.start());
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.ref();
      w.postMessage(m);
    });
  }

  write(rows: readonly PendingPrediction[]): Promise<void> {
    const id = this.nextId++;
    return this.send({ type: 'write', id, rows }, id);
  }

  async close(): Promise<void> {
    const w = this.worker;
    if (w === undefined) return;
    try {
      await this.send({ type: 'close' }, -1);
    } catch {
      // It ended on its own; nothing is left to close.
    }
    this.worker = undefined;
    await w.terminate();
  }
}
