import type { Scope } from '../store/index.ts';

/**
 * A change of which model serves a task: a promotion, rollback or retirement somewhere (this
 * process, another API server, a build worker). `taskId: null` means "anything may have
 * changed" (sent after a reconnect, when messages may have been missed).
 */
export interface ModelChange {
  readonly kind: 'promote' | 'rollback' | 'retire' | 'invalidate';
  readonly taskId: string | null;
  /** The scope that changed; every scope of the task when omitted. */
  readonly scope?: Scope;
  readonly modelId?: number;
}

/**
 * How model changes reach every Curator instance, so each one's model cache re-reads the active
 * models within a moment: in-process for one process (SQLite), PostgreSQL LISTEN/NOTIFY or Redis
 * pub/sub for many servers. Delivery is at most once; a bus that loses its connection tells its
 * listeners `taskId: null` when it is back.
 *
 * @example
 * const bus = await openModelChangeBus('postgres://…');
 * const stop = bus.subscribe((c) => curator.invalidate(c.taskId, c.scope));
 * await bus.publish({ kind: 'promote', taskId: 'spam', modelId: 7 });
 */
export interface ModelChangeBus {
  /** Tells every instance (this one included) about a change. */
  publish(change: ModelChange): Promise<void>;
  /** Listens to changes; returns the function that stops listening. */
  subscribe(listener: (change: ModelChange) => void): () => void;
  /** Stops listening and closes connections. */
  close(): Promise<void>;
}

/** Listeners of a bus, called safely (a listener's bug must not stop the others). */
export class ChangeListeners {
  private readonly set = new Set<(c: ModelChange) => void>();

  add(listener: (c: ModelChange) => void): () => void {
    this.set.add(listener);
    return () => void this.set.delete(listener);
  }

  emit(change: ModelChange): void {
    for (const l of this.set) {
      try {
        l(change);
      } catch {
        // ignore: see above
      }
    }
  }
}

/**
 * The bus of one process (SQLite, tests): publish calls the listeners of this bus at once. Share
 * one instance between the curators of a process that should see each other's changes.
 *
 * @example const bus = new InProcessModelChangeBus();
 */
export class InProcessModelChangeBus implements ModelChangeBus {
  private readonly listeners = new ChangeListeners();

  async publish(change: ModelChange): Promise<void> {
    this.listeners.emit(change);
  }

  subscribe(listener: (change: ModelChange) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {}
}

/** Checks a message that arrived from another process. */
export function parseChange(text: string): ModelChange | undefined {
  try {
    const c = JSON.parse(text) as ModelChange;
    if (c === null || typeof c !== 'object' || (c.taskId !== null && typeof c.taskId !== 'string')) return undefined;
    return c;
  } catch {
    return undefined;
  }
}
