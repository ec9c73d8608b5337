import { z } from 'zod';
import { callerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { responses, ScopeSchema, TaskParams } from '../schemas.ts';

const TrainNow = z.strictObject({ scope: ScopeSchema.optional(), reason: z.string().min(1).max(1000).optional() }).optional();

const Started = z.object({
  jobId: z.number().int().nullable().describe('the job building now (null when a build already running could not be named)'),
  status: z.enum(['started', 'debounced', 'recorded']).describe("'debounced': a build of this scope was already running"),
  reason: z.string(),
});

/** POST /v1/tasks/:task/builds (staff): "train now" through the task's manual trigger rule. */
export const buildRoutes: RouteModule = (api, { curator, metrics }) => {
  api.post('/v1/tasks/:task/builds', {
    config: { access: 'staff' },
    schema: {
      tags: ['builds'], summary: 'Train now: start a build of a scope (follow it on /v1/jobs/:id/events)',
      params: TaskParams, body: TrainNow, response: responses({ 202: Started }),
    },
  }, async (request, reply) => {
    const auth = callerOf(request);
    const firing = await curator.trigger(request.params.task, {
      actor: auth.userId,
      reason: request.body?.reason ?? `train now (${auth.userId})`,
      ...(request.body?.scope === undefined ? {} : { scope: request.body.scope }),
    });
    firing.outcome?.then(
      (o) => metrics.build(o.jobId, o.taskId, o.scope, o.status, o.status === 'built' ? o.wallMs : 0),
      (error: unknown) => request.log.warn({ err: error, jobId: firing.jobId }, 'build failed'),
    );
    return reply.code(202).send({ jobId: firing.jobId, status: firing.status, reason: firing.reason });
  });
};
