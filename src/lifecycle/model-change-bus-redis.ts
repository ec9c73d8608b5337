import { Redis } from 'ioredis';
import { ChangeListeners, parseChange, type ModelChange, type ModelChangeBus } from './model-change-bus.ts';

/** Options of {@link RedisModelChangeBus}. */
export interface RedisModelChangeBusOptions {
  /** `redis://host:port`. */
  readonly url: string;
  /** Channel name (default `curator:model-changes`); one per database the servers share. */
  readonly channel?: string;
}

/**
 * Model changes over Redis pub/sub (for deployments that have Redis for the job queue anyway).
 * One connection subscribes, one publishes; ioredis reconnects and resubscribes on its own, and
 * after a reconnect the bus tells its listeners that anything may have changed (`taskId: null`).
 *
 * @example const bus = await RedisModelChangeBus.open({ url: 'redis://127.0.0.1:6379' });
 */
export class RedisModelChangeBus implements ModelChangeBus {
  private readonly listeners = new ChangeListeners();
  private readonly channel: string;

  private constructor(
    private readonly sub: Redis,
    private readonly pub: Redis,
    channel: string,
  ) {
    this.channel = channel;
  }

  /** Connects and subscribes (rejects when Redis is unreachable). */
  static async open(options: RedisModelChangeBusOptions): Promise<RedisModelChangeBus> {
    const retryStrategy = (times: number): number => Math.min(5000, 100 * 2 ** Math.min(times, 6));
    const sub = new Redis(options.url, { lazyConnect: true, retryStrategy });
    const pub = new Redis(options.url, { lazyConnect: true, retryStrategy, maxRetriesPerRequest: 3 });
    sub.on('error', () => {});
    pub.on('error', () => {});
    const bus = new RedisModelChangeBus(sub, pub, options.channel ?? 'curator:model-changes');
    try {
      await Promise.all([sub.connect(), pub.connect()]);
      await sub.subscribe(bus.channel);
    } catch (error) {
      sub.disconnect();
      pub.disconnect();
      throw error;
    }
    sub.on('message', (channel: string, text: string) => {
      if (channel !== bus.channel) return;
      const change = parseChange(text);
      if (change !== undefined) bus.listeners.emit(change);
    });
    let first = true;
    sub.on('ready', () => {
      if (first) return void (first = false);
      bus.listeners.emit({ kind: 'invalidate', taskId: null });
    });
    return bus;
  }

  async publish(change: ModelChange): Promise<void> {
    await this.pub.publish(this.channel, JSON.stringify(change));
  }

  subscribe(listener: (change: ModelChange) => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.sub.disconnect();
    this.pub.disconnect();
  }
}
