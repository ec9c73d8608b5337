import { Worker } from 'node:worker_threads';
import type { BuildOutcome, BuildRequest } from '../lifecycle/build.ts';
import type { JobProgress } from './job-engine.ts';
import { fromWire, type BuildWorkerData, type FromWorker, type ToWorker } from './worker-protocol.ts';

/** Options of {@link BuildWorkerPool}. */
export interface BuildWorkerPoolOptions {
  /** The store URL each worker opens (a file or server database; `:memory:` cannot be shared). */
  readonly url: string;
  /** Threads, each running one build at a time (default 1). */
  readonly size?: number;
  /** Least time between two progress-detail writes to a job row (default 1000 ms). */
  readonly progressWriteMs?: number;
}

/** One build for the pool: the job it runs under and its attempt number. */
export interface PoolTask {
  readonly jobId: number;
  readonly attempt: number;
  readonly request: BuildRequest;
  readonly onProgress?: (p: JobProgress) => void;
}

/** A worker thread ended (crash, out of memory, terminated) while it ran a build. */
export class BuildWorkerExit extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'BuildWorkerExit';
  }
}

interface Pending extends PoolTask {
  resolve(o: BuildOutcome): void;
  reject(e: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  current: Pending | null;
  error: Error | null;
}

/*
 * How a worker loads TypeScript. On Node 20 a worker inherits `--import tsx` in its execArgv
 * but the loader hooks do not apply to the worker's own entry ("Unknown file extension .ts"),
 * under `node --import tsx` and under `npx tsx` alike. So when this module runs from .ts
 * source, the worker starts from a two-line bootstrap that registers tsx's ESM hooks in that
 * thread (tsx/esm/api `register()`) and then imports the entry; execArgv is emptied so the
 * hooks are not registered twice. Compiled to .js, the entry is started directly.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const ENTRY = new URL(FROM_SOURCE ? './build-worker.ts' : './build-worker.js', import.meta.url);

function startWorker(data: BuildWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
  return new Worker(boot, { eval: true, execArgv: [], workerData: data });
}

/**
 * A few worker threads that run builds (`runBuild` on each thread's own store connection) so
 * the main event loop stays free. Builds wait in order for a free thread; a thread that dies
 * mid-build fails that build with {@link BuildWorkerExit} and is replaced for the next one.
 * Idle threads do not keep the process alive.
 *
 * @example
 * const pool = new BuildWorkerPool({ url: 'sqlite:./data/curator.db' });
 * const outcome = await pool.run({ jobId: 7, attempt: 1, request, onProgress: (p) => console.log(p.fold, p.candidateIndex) });
 * await pool.close();
 */
export class BuildWorkerPool {
  private readonly size: number;
  private readonly data: BuildWorkerData;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private closing: Promise<void> | null = null;

  constructor(options: BuildWorkerPoolOptions) {
    this.size = Math.max(1, Math.floor(options.size ?? 1));
    this.data = { url: options.url, progressWriteMs: options.progressWriteMs ?? 1000 };
  }

  /** Builds running or waiting. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.current !== null).length;
  }

  /** Runs one build on a free thread (after those submitted before it). */
  run(task: PoolTask): Promise<BuildOutcome> {
    if (this.closing !== null) return Promise.reject(new Error('BuildWorkerPool: closed'));
    return new Promise<BuildOutcome>((resolve, reject) => {
      this.queue.push({ ...task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.current === null);
      if (slot === undefined) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const next = this.queue.shift()!;
      slot.current = next;
      slot.worker.ref();
      const msg: ToWorker = { type: 'run', jobId: next.jobId, attempt: next.attempt, request: next.request };
      slot.worker.postMessage(msg);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(this.data);
    const slot: Slot = { worker, current: null, error: null };
    worker.on('message', (m: FromWorker) => {
      const cur = slot.current;
      if (m.type === 'closed' || cur === null || m.jobId !== cur.jobId) return;
      if (m.type === 'progress') {
        try {
          cur.onProgress?.(m.progress);
        } catch {
          // A listener's bug must not lose the build.
        }
        return;
      }
      slot.current = null;
      worker.unref();
      if (m.type === 'done') cur.resolve(m.outcome);
      else cur.reject(fromWire(m.error));
      this.pump();
    });
    worker.on('error', (e) => {
      slot.error = e;
    });
    worker.on('exit', (code) => {
      this.slots.splice(this.slots.indexOf(slot), 1);
      const cur = slot.current;
      slot.current = null;
      if (cur !== null) {
        const why = slot.error === null ? `exit code ${code}` : `${slot.error.name}: ${slot.error.message}`;
        cur.reject(new BuildWorkerExit(`the build worker thread stopped during job #${cur.jobId} (${why})`, code));
      }
      if (this.closing === null) this.pump();
    });
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  /** Waits for every submitted build, then ends the threads (each closes its store first). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      while (this.pending > 0) await new Promise((r) => setTimeout(r, 20));
      await Promise.all(
        this.slots.map(
          (s) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => void s.worker.terminate(), 5000);
              s.worker.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              s.worker.postMessage({ type: 'close' } satisfies ToWorker);
            }),
        ),
      );
    })();
    return this.closing;
  }

  /**
   * Stops every thread now; builds they run fail with {@link BuildWorkerExit} (queued ones are
   * dropped with the same error). For tests and shutdown on a signal.
   */
  async terminate(): Promise<void> {
    for (const p of this.queue.splice(0)) p.reject(new BuildWorkerExit(`job #${p.jobId} was dropped: the pool was terminated`, 1));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
