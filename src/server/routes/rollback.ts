import { z } from 'zod';
import { GLOBAL } from '../../store/index.ts';
import { callerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { PromotionSchema, responses, ScopeSchema, TaskParams } from '../schemas.ts';

const Rollback = z.strictObject({ scope: ScopeSchema.optional(), reason: z.string().min(1).max(1000).optional() }).optional();

/** POST /v1/tasks/:task/rollback (staff): the previous good model of a scope becomes active again. */
export const rollbackRoutes: RouteModule = (api, { curator }) => {
  api.post('/v1/tasks/:task/rollback', {
    config: { access: 'staff' },
    schema: { tags: ['models'], summary: 'Roll a scope back to its previous model', params: TaskParams, body: Rollback, response: responses({ 200: PromotionSchema }) },
  }, async (request) => {
    const auth = callerOf(request);
    const { task } = await curator.task(request.params.task);
    const scope = request.body?.scope ?? GLOBAL;
    const event = await curator.registry.promotions.rollback({ taskId: task.id, scope, actor: auth.userId, reason: request.body?.reason ?? 'rolled back through the API' });
    curator.invalidate(task.id, scope);
    return event;
  });
};
