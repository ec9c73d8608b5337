import type { Curator } from '../lifecycle/index.ts';
import { CuratorError } from '../ml/errors.ts';

/** The part of the HTTP server (src/server, see the API contract) that `serve` uses. */
export interface HttpServer {
  listen(options: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
}

/** Options of the server's `createServer` that `serve` passes. */
export interface HttpServerOptions {
  readonly curator: Curator;
  readonly logger?: boolean;
  readonly dashboard?: boolean;
  readonly rateLimit?: { readonly max: number; readonly timeWindowMs: number } | false;
}

/**
 * Loads `createServer` from src/server/index.ts when the command runs, not when the CLI starts:
 * every other command works without the HTTP stack loaded (fastify, swagger, zod).
 */
export async function loadCreateServer(): Promise<(options: HttpServerOptions) => Promise<HttpServer>> {
  let mod: { createServer?: unknown };
  try {
    mod = (await import('../server/index.ts')) as { createServer?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes('server/index')) {
      throw new CuratorError('INVALID_STATE', 'the HTTP server (src/server/index.ts) is not in this build', { field: 'serve' });
    }
    throw error;
  }
  if (typeof mod.createServer !== 'function') throw new CuratorError('INVALID_STATE', 'src/server/index.ts exports no createServer', { field: 'serve' });
  return mod.createServer as (options: HttpServerOptions) => Promise<HttpServer>;
}
