import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import type { RouteModule } from '../context.ts';
import { responses } from '../schemas.ts';

/** Liveness, readiness (the database answers), Prometheus metrics and the OpenAPI document: public. */
export const healthRoutes: RouteModule = (api, { curator, metrics }) => {
  const publicRoute = { access: 'public' as const };

  api.get('/healthz', {
    config: publicRoute,
    schema: { tags: ['health'], summary: 'Liveness', response: responses({ 200: z.object({ status: z.literal('ok') }) }) },
  }, async () => ({ status: 'ok' as const }));

  api.get('/readyz', {
    config: publicRoute,
    schema: { tags: ['health'], summary: 'Readiness: the database answers', response: responses({ 200: z.object({ status: z.literal('ready'), store: z.string() }) }) },
  }, async () => {
    try {
      await curator.store.corpus.getTask('');
    } catch (cause) {
      throw new CuratorError('STORE_UNAVAILABLE', `database (${curator.store.label}) does not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    return { status: 'ready' as const, store: curator.store.label };
  });

  api.get('/metrics', {
    config: publicRoute,
    schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', hide: false },
  }, async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  api.get('/openapi.json', {
    config: publicRoute,
    schema: { tags: ['health'], summary: 'This OpenAPI 3 document', hide: true },
  }, async (_request, reply) => reply.type('application/json').send(JSON.stringify(api.swagger())));
};
