/*
 * The entry of a build worker thread (started by BuildWorkerPool): it opens its own store
 * connection (a connection cannot cross threads), runs one build at a time with `runBuild`,
 * streams progress to the main thread as it happens, and writes the latest progress to the
 * job row at a modest rate (that write is also the job holder's heartbeat).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runBuild, type BuildProgress } from '../lifecycle/build.ts';
import { openStore, type Store } from '../store/index.ts';
import type { JobProgress } from './job-engine.ts';
import { toWire, type BuildWorkerData, type FromWorker, type ToWorker } from './worker-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('build-worker.ts runs as a worker thread (see BuildWorkerPool)');
const { url, progressWriteMs } = workerData as BuildWorkerData;
let store: Promise<Store> | undefined;
const post = (m: FromWorker): void => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'run') void run(m.jobId, m.attempt, m.request);
  else void close();
});

async function run(jobId: number, attempt: number, request: Extract<ToWorker, { type: 'run' }>['request']): Promise<void> {
  try {
    // Migrations ran in the main thread when it opened the store.
    store ??= openStore(url, { migrate: false, poolSize: 2 }).catch((error: unknown) => {
      store = undefined;
      throw error;
    });
    const s = await store;
    const detail = detailWriter(s, jobId, progressWriteMs);
    const outcome = await runBuild(s, { ...request, jobId, attempt }, {
      onProgress: (p) => {
        const progress = withIndex(jobId, attempt, p);
        post({ type: 'progress', jobId, progress });
        detail(progress);
      },
    });
    await detail.flush();
    post({ type: 'done', jobId, outcome });
  } catch (error) {
    post({ type: 'failed', jobId, error: toWire(error) });
  }
}

/** Adds "candidate j of m": the CV reports (fold, candidate) units done, candidates in a fixed order per fold. */
function withIndex(jobId: number, attempt: number, p: BuildProgress): JobProgress {
  if (p.stage !== 'cv' || p.folds === undefined || p.folds === 0 || p.done === 0) return { ...p, jobId, attempt };
  const candidates = p.total / p.folds;
  return { ...p, jobId, attempt, candidates, candidateIndex: ((p.done - 1) % candidates) + 1 };
}

/**
 * Writes the latest progress at most every `everyMs` (and at every stage change). The CV runs
 * synchronously, so a write started during a fold lands when the fold ends: the row is never
 * more than one fold behind, and the database sees a handful of small writes per build.
 */
function detailWriter(s: Store, jobId: number, everyMs: number): ((p: JobProgress) => void) & { flush(): Promise<void> } {
  const repo = s.jobs;
  let last = 0;
  let stage = '';
  let latest: JobProgress | undefined;
  let writing: Promise<void> = Promise.resolve();
  const write = (): void => {
    const p = latest!;
    latest = undefined;
    last = performance.now();
    const { jobId: _j, ...detail } = p;
    writing = writing.then(() => repo.progress(jobId, detail)).catch(() => {
      // Progress is advisory: a busy database must not fail the build.
    });
  };
  const fn = (p: JobProgress): void => {
    latest = p;
    if (p.stage !== stage || performance.now() - last >= everyMs) {
      stage = p.stage;
      write();
    }
  };
  return Object.assign(fn, {
    async flush(): Promise<void> {
      await writing;
    },
  });
}

async function close(): Promise<void> {
  try {
    if (store !== undefined) await (await store).close();
  } catch {
    // Closing is best effort: the thread ends either way.
  }
  post({ type: 'closed' });
  port!.close();
}
