import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Curator } from '../lifecycle/index.ts';
import type { Authenticator } from './auth.ts';
import type { ServerMetrics } from './metrics.ts';

/** The fastify instance with the zod type provider: route handlers see their parsed, typed input. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What every route module gets: the curator, the metrics, the authenticator (for cache drops). */
export interface RouteDeps {
  readonly curator: Curator;
  readonly metrics: ServerMetrics;
  readonly auth: Authenticator;
  /** How often a job's event stream re-reads the job row, in ms. */
  readonly jobPollMs: number;
  /** Ends of the open event streams, called when the server closes (so close does not wait on them). */
  readonly openStreams: Set<() => void>;
}

/** A route module: registers one resource's routes. */
export type RouteModule = (api: Api, deps: RouteDeps) => void;
