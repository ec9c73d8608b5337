import pg from 'pg';
import { ChangeListeners, parseChange, type ModelChange, type ModelChangeBus } from './model-change-bus.ts';

/** Options of {@link PostgresModelChangeBus}. */
export interface PostgresModelChangeBusOptions {
  /** `postgres://…`; a `?schema=` names the channel, so databases sharing a server keep apart. */
  readonly url: string;
  /** Channel name (default `curator_model_changes[_<schema>]`). */
  readonly channel?: string;
  /** Longest wait between reconnect attempts (default 5 s). */
  readonly maxBackoffMs?: number;
  readonly log?: (line: string) => void;
}

/**
 * Model changes over PostgreSQL `LISTEN/NOTIFY`: the database the servers share carries the
 * messages, so no other service is needed. One dedicated connection listens (and publishes);
 * when it drops, the bus reconnects with backoff and then tells its listeners that anything
 * may have changed (`taskId: null`), since notifications sent meanwhile are lost.
 *
 * @example const bus = await PostgresModelChangeBus.open({ url: 'postgres://postgres@127.0.0.1/test' });
 */
export class PostgresModelChangeBus implements ModelChangeBus {
  private readonly listeners = new ChangeListeners();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private closed = false;
  private readonly channel: string;
  private readonly connectionString: string;

  private constructor(private readonly options: PostgresModelChangeBusOptions) {
    const url = new URL(options.url);
    const schema = url.searchParams.get('schema');
    url.searchParams.delete('schema');
    this.connectionString = url.toString();
    this.channel = (options.channel ?? `curator_model_changes${schema ? `_${schema}` : ''}`).slice(0, 63);
  }

  /** Connects and starts listening (rejects when the server is unreachable). */
  static async open(options: PostgresModelChangeBusOptions): Promise<PostgresModelChangeBus> {
    const bus = new PostgresModelChangeBus(options);
    await bus.connect();
    return bus;
  }

  async publish(change: ModelChange): Promise<void> {
    const client = this.client ?? (await this.connect());
    await client.query('select pg_notify($1, $2)', [this.channel, JSON.stringify(change)]);
  }

  subscribe(listener: (change: ModelChange) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private connect(): Promise<pg.Client> {
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 5000, application_name: 'curator-model-changes' });
      client.on('error', () => {}); // 'end' follows and reconnects
      try {
        await client.connect();
        await client.query(`listen "${this.channel.replace(/"/g, '""')}"`);
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
      client.on('notification', (n) => {
        if (n.channel !== this.channel || n.payload === undefined) return;
        const change = parseChange(n.payload);
        if (change !== undefined) this.listeners.emit(change);
      });
      client.on('end', () => {
        if (this.client === client) this.client = undefined;
        if (!this.closed) void this.reconnect();
      });
      this.client = client;
      return client;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async reconnect(): Promise<void> {
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await this.connect();
        this.listeners.emit({ kind: 'invalidate', taskId: null });
        return;
      } catch (error) {
        const delay = Math.min(this.options.maxBackoffMs ?? 5000, 100 * 2 ** attempt);
        this.options.log?.(`model change bus: PostgreSQL unreachable (${(error as Error).message}); retrying in ${delay} ms`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }
}
