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
}

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
  private buffer: NewReferencedPrediction[] = [];
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  private logged = 0;
  private dropped = 0;
  private failedFlushes = 0;
  private lastError: string | null = null;
  private readonly maxBatch: number;
  private readonly intervalMs: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly store: Store,
    options: PredictionLogOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.intervalMs = options.flushIntervalMs ?? 200;
    this.maxBuffered = options.maxBuffered ?? 100_000;
  }

  /** Queues one prediction; never waits and never throws for the database. */
  append(p: NewReferencedPrediction): void {
    this.buffer.push(p);
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
    const next = this.writing.then(() => this.writeBatch());
    this.writing = next.catch(() => {});
    return next;
  }

  private async writeBatch(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    try {
      await this.store.transaction(async (tx) => tx.lifecycle.logPredictions(batch));
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
    await this.flush();
  }
}
