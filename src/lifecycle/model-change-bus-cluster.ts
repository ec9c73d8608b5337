import cluster, { type Worker } from 'node:cluster';
import { ChangeListeners, type ModelChange, type ModelChangeBus } from './model-change-bus.ts';

/** The IPC message a change travels in between the processes of one `curator serve --processes N`. */
interface ChangeMessage {
  readonly type: 'curator:model-change';
  readonly change: ModelChange;
}

function isChangeMessage(m: unknown): m is ChangeMessage {
  return typeof m === 'object' && m !== null && (m as ChangeMessage).type === 'curator:model-change' && typeof (m as ChangeMessage).change === 'object';
}

/**
 * The bus between the worker processes of one node:cluster (`curator serve --processes N` on a
 * SQLite file, where no database notifies): a publish calls this process's listeners at once and
 * goes over IPC to the primary, which hands it to every other worker ({@link relayModelChanges}).
 * Outside a cluster worker it is an in-process bus.
 *
 * @example const curator = await createCurator({ store, modelChanges: new ClusterModelChangeBus() });
 */
export class ClusterModelChangeBus implements ModelChangeBus {
  private readonly listeners = new ChangeListeners();
  private readonly onMessage = (m: unknown): void => {
    if (isChangeMessage(m)) this.listeners.emit(m.change);
  };

  constructor() {
    if (cluster.isWorker) process.on('message', this.onMessage);
  }

  async publish(change: ModelChange): Promise<void> {
    this.listeners.emit(change);
    // A worker whose primary is gone cannot tell the others; the others are gone with it.
    if (cluster.isWorker && process.connected) process.send!({ type: 'curator:model-change', change } satisfies ChangeMessage);
  }

  subscribe(listener: (change: ModelChange) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    process.off('message', this.onMessage);
  }
}

/**
 * Primary side of {@link ClusterModelChangeBus}: every change a worker publishes is sent to each
 * other live worker. Call it once in the primary; returns the function that stops relaying.
 */
export function relayModelChanges(): () => void {
  const relay = (from: Worker, message: unknown): void => {
    if (!isChangeMessage(message)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker !== undefined && worker !== from && worker.isConnected()) worker.send(message);
    }
  };
  cluster.on('message', relay);
  return () => void cluster.off('message', relay);
}
