import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import type { RouteModule } from '../context.ts';
import { responses, TaskParams, TriggerEventSchema } from '../schemas.ts';

const MonitorQuery = z.strictObject({ modelId: z.coerce.number().int().min(1).optional() });

/** GET /v1/tasks/:task/monitor (staff): live windows per model next to the CV estimates, and the decay alarms. */
export const monitorRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/tasks/:task/monitor', {
    config: { access: 'staff' },
    schema: {
      tags: ['monitor'], summary: 'Rolling windows per model (count and time), decay tests and alarms', params: TaskParams, querystring: MonitorQuery,
      response: responses({ 200: z.object({ models: z.array(z.record(z.string(), z.unknown())), alarms: z.array(TriggerEventSchema).readonly() }) }),
    },
  }, async (request) => {
    const modelId = request.query.modelId;
    if (modelId !== undefined) {
      const model = await curator.store.models.get(modelId);
      if (model === undefined || model.taskId !== request.params.task) {
        throw new CuratorError('NOT_FOUND', `no model ${modelId} in task '${request.params.task}'`, { field: 'modelId' });
      }
    }
    const models = await curator.monitor(request.params.task, modelId === undefined ? {} : { modelId });
    const alarms = await curator.alarms(request.params.task, 100);
    return { models: models as unknown as Record<string, unknown>[], alarms };
  });
};
