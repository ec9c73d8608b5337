import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { errorCodes, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Curator } from '../lifecycle/index.ts';
import { CuratorError } from '../ml/errors.ts';
import { accessOf, Authenticator, type Access } from './auth.ts';
import type { RouteDeps, RouteModule } from './context.ts';
import { httpError, toHttpError } from './error-mapping.ts';
import { ServerMetrics } from './metrics.ts';
import { checkedSerializer, plainSerializer } from './serializer.ts';
import { annotationRoutes } from './routes/annotations.ts';
import { buildRoutes } from './routes/builds.ts';
import { documentRoutes } from './routes/documents.ts';
import { groupRoutes } from './routes/groups.ts';
import { growthRoutes } from './routes/growth.ts';
import { healthRoutes } from './routes/health.ts';
import { jobRoutes } from './routes/jobs.ts';
import { meRoutes } from './routes/me.ts';
import { modelRoutes } from './routes/models.ts';
import { monitorRoutes } from './routes/monitor.ts';
import { predictionRoutes } from './routes/predictions.ts';
import { rollbackRoutes } from './routes/rollback.ts';
import { snapshotRoutes } from './routes/snapshots.ts';
import { taskRoutes } from './routes/tasks.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { triggerRoutes } from './routes/triggers.ts';
import { userRoutes } from './routes/users.ts';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** From createCurator; the caller owns it (closing the server does not close the curator). */
  readonly curator: Curator;
  /** Fastify's logger (default false). */
  readonly logger?: boolean;
  /** Largest request body in bytes (default 1 MiB); a larger one gets 413. */
  readonly bodyLimit?: number;
  /** Requests per token (per IP without one) in a time window under /v1 (default 600 per minute); false turns it off. */
  readonly rateLimit?: { readonly max: number; readonly timeWindowMs: number } | false;
  /** Serve web/ at / when the folder exists (default true). */
  readonly dashboard?: boolean;
  /** Check every JSON answer against its response schema (default false; tests turn it on). */
  readonly checkResponses?: boolean;
  /** How long a token lookup is cached, in ms (default 5000); a revocation elsewhere takes effect within it. */
  readonly tokenCacheMs?: number;
  /** How often a job's event stream re-reads the job row, in ms (default 500). */
  readonly jobPollMs?: number;
  /** Process metrics (CPU, memory, event loop) on /metrics (default true). */
  readonly defaultMetrics?: boolean;
}

/**
 * Parses JSON bodies with Fastify's own safe parser only when a body could hide a prototype
 * poisoning key. That parser (secure-json-parse) scans every body with two Unicode-escape-aware
 * regular expressions for `__proto__` and `constructor`, ~7 µs of a 2 KB predict body, a tenth of
 * the request's own work. A body holding neither `proto` nor `constructor` nor any `\u` escape
 * cannot spell either key, so JSON.parse alone gives the same result; any other body takes the
 * safe parser, which refuses them as before (INVALID_JSON).
 */
function useFastJsonParser(app: FastifyInstance): void {
  const safe = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.length > 0 && !text.includes('proto') && !text.includes('constructor') && !text.includes('\\u')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
        return;
      }
      done(null, parsed);
      return;
    }
    safe(request, text, done);
  });
}

/** A registered route as the auth matrix and docs see it. */
export interface RouteInfo {
  readonly method: string;
  readonly url: string;
  readonly access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered (HEAD twins excluded), in registration order. */
    curatorRoutes: RouteInfo[];
  }
}

const ROUTE_MODULES: readonly RouteModule[] = [
  healthRoutes, meRoutes, taskRoutes, documentRoutes, annotationRoutes, predictionRoutes, modelRoutes, rollbackRoutes, snapshotRoutes,
  buildRoutes, jobRoutes, triggerRoutes, growthRoutes, monitorRoutes, userRoutes, groupRoutes, tokenRoutes,
];

const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

function checkOptions(o: ServerOptions): void {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new CuratorError('INVALID_ARGUMENT', `createServer: ${field} must be ${want}; got ${JSON.stringify(got) ?? String(got)}`, { field });
  };
  if (o === null || typeof o !== 'object') bad('options', 'an object', o);
  if (o.curator === null || typeof o.curator !== 'object' || typeof o.curator.predict !== 'function') bad('curator', 'a Curator from createCurator', typeof o.curator);
  if (o.bodyLimit !== undefined && (!Number.isSafeInteger(o.bodyLimit) || o.bodyLimit < 1)) bad('bodyLimit', 'a positive integer (bytes)', o.bodyLimit);
  if (o.rateLimit !== undefined && o.rateLimit !== false) {
    if (o.rateLimit === null || typeof o.rateLimit !== 'object') bad('rateLimit', '{ max, timeWindowMs } or false', o.rateLimit);
    if (!(o.rateLimit.max > 0)) bad('rateLimit.max', 'a number > 0', o.rateLimit.max);
    if (!Number.isSafeInteger(o.rateLimit.timeWindowMs) || o.rateLimit.timeWindowMs < 1) bad('rateLimit.timeWindowMs', 'a positive integer', o.rateLimit.timeWindowMs);
  }
  for (const field of ['tokenCacheMs', 'jobPollMs'] as const) {
    const v = o[field];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < (field === 'jobPollMs' ? 1 : 0))) bad(field, `an integer ≥ ${field === 'jobPollMs' ? 1 : 0}`, v);
  }
}

/**
 * The HTTP service over a curator: the /v1 REST API (schemas validated by zod, the OpenAPI
 * document at /openapi.json and Swagger UI at /docs from the same schemas), bearer-token auth
 * with roles, per-token rate limits, Prometheus metrics, job progress as server-sent events,
 * and the dashboard. Resolves once ready to `listen()` or `inject()`.
 *
 * @example
 * const curator = await createCurator({ store: 'sqlite:./data/curator.db' });
 * const app = await createServer({ curator });
 * await app.listen({ port: 8080, host: '127.0.0.1' });
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  checkOptions(options);
  const { curator } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 1024 * 1024, return503OnClosing: true });
  app.removeContentTypeParser('text/plain'); // JSON in: a text body is a 415, not a string to validate
  useFastJsonParser(app);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(options.checkResponses ? checkedSerializer : plainSerializer);
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toHttpError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const { status, body } = toHttpError(httpError(404, 'NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
    return reply.code(status).send(body);
  });

  app.decorate('curatorRoutes', [] as RouteInfo[]);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      const configured = (route.config as { access?: Access } | undefined)?.access;
      const access = configured ?? (route.url.startsWith('/v1/') ? 'any' : 'public');
      app.curatorRoutes.push({ method, url: route.url, access });
    }
  });

  const metrics = new ServerMetrics(curator.store, { defaultMetrics: options.defaultMetrics ?? true });
  const auth = new Authenticator(curator.store, options.tokenCacheMs ?? 5000);
  const deps: RouteDeps = { curator, metrics, auth, jobPollMs: options.jobPollMs ?? 500, openStreams: new Set() };

  await app.register(swagger, {
    openapi: {
      info: { title: 'Curator API', description: 'Model management: tasks, corpus, builds, models, predictions, monitoring', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  auth.install(app);
  if (options.rateLimit !== false) {
    const limit = options.rateLimit ?? { max: 600, timeWindowMs: 60_000 };
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.timeWindowMs,
      allowList: (request) => accessOf(request) === 'public',
      keyGenerator: (request) => (request.auth === null ? `ip:${request.ip}` : `token:${request.auth.tokenId}`),
      errorResponseBuilder: (_request, ctx) => httpError(429, 'RATE_LIMITED', `rate limit exceeded: ${ctx.max} requests per ${ctx.after} for this token; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
    });
  }

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestSeconds.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  const api = app.withTypeProvider<ZodTypeProvider>();
  for (const register of ROUTE_MODULES) register(api, deps);

  if ((options.dashboard ?? true) && existsSync(WEB_DIR)) {
    // redirect: a folder without its slash (/inbox) answers 301 to /inbox/ instead of 404.
    await app.register(fastifyStatic, { root: WEB_DIR, prefix: '/', index: 'index.html', redirect: true });
  }

  const stop = curator.subscribeJobs((event) => {
    if (event.type === 'succeeded') {
      const o = event.outcome;
      metrics.build(event.jobId, event.taskId, event.scope, o.status, o.status === 'built' ? o.wallMs : 0);
    }
  });
  app.addHook('onClose', async () => stop?.());
  // Event streams of running jobs would hold server.close() open until their jobs end.
  app.addHook('preClose', async () => {
    for (const end of [...deps.openStreams]) end();
  });

  try {
    await app.ready();
  } catch (error) {
    stop?.();
    throw error;
  }
  return app;
}
