import { CuratorError } from '../ml/errors.ts';
import { InProcessModelChangeBus, type ModelChangeBus } from './model-change-bus.ts';

/**
 * The model change bus a URL names: `postgres://…` (LISTEN/NOTIFY on the shared database),
 * `redis://…` (pub/sub), or `sqlite:…` / `memory:` (in-process only: one machine, one process).
 * The PostgreSQL and Redis clients load only when asked for.
 *
 * @example const bus = await openModelChangeBus('postgres://postgres@127.0.0.1:5432/test?schema=curator');
 */
export async function openModelChangeBus(url: string, options: { channel?: string; log?: (line: string) => void } = {}): Promise<ModelChangeBus> {
  if (typeof url === 'string' && /^postgres(ql)?:\/\//.test(url)) {
    const { PostgresModelChangeBus } = await import('./model-change-bus-postgres.ts');
    return PostgresModelChangeBus.open({ url, ...options });
  }
  if (typeof url === 'string' && /^rediss?:\/\//.test(url)) {
    const { RedisModelChangeBus } = await import('./model-change-bus-redis.ts');
    return RedisModelChangeBus.open({ url, ...(options.channel ? { channel: options.channel } : {}) });
  }
  if (typeof url === 'string' && /^(sqlite:|memory:)/.test(url)) return new InProcessModelChangeBus();
  throw new CuratorError('INVALID_ARGUMENT', `openModelChangeBus: use a postgres://, redis:// or sqlite: URL; got ${JSON.stringify(url)}`, { field: 'modelChanges' });
}
