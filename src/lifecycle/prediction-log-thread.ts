/*
 * The entry of the prediction log's writer thread (started by PredictionLog when it is given a
 * database URL): it opens its own store connection and writes each batch the main thread sends
 * in one transaction, so the commit's fsync (synchronous = FULL on SQLite) waits here and not
 * on the event loop that answers requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CuratorError } from '../ml/errors.ts';
import { openStore, type Store } from '../store/index.ts';
import { resolveInputRefs, type LogThreadData, type LogThreadReply, type LogThreadRequest } from './prediction-log.ts';

const port = parentPort;
if (port === null) throw new Error('prediction-log-thread.ts runs as a worker thread (see PredictionLog)');
const { url } = workerData as LogThreadData;
let store: Promise<Store> | undefined;

port.on('message', (m: LogThreadRequest) => {
  if (m.type === 'write') void write(m.id, m.rows);
  else void close();
});

async function write(id: number, rows: Extract<LogThreadRequest, { type: 'write' }>['rows']): Promise<void> {
  let reply: LogThreadReply;
  try {
    // Migrations ran in the main thread when it opened the store.
    store ??= openStore(url, { migrate: false, poolSize: 1 }).catch((error: unknown) => {
      store = undefined;
      throw error;
    });
    const s = await store;
    const resolved = resolveInputRefs(rows);
    await s.transaction(async (tx) => tx.lifecycle.logPredictions(resolved));
    reply = { id, ok: true };
  } catch (error) {
    const e = error instanceof CuratorError ? { code: error.code, field: error.field } : { code: undefined, field: undefined };
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error), ...e };
  }
  port!.postMessage(reply);
}

async function close(): Promise<void> {
  const s = await store?.catch(() => undefined);
  await s?.close();
  port!.postMessage({ id: -1, ok: true } satisfies LogThreadReply);
}
