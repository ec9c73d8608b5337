import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import type { RouteModule } from '../context.ts';
import { responses, TaskParams, TriggerEventSchema } from '../schemas.ts';

/** Persisted count windows per model in a monitor answer (newest kept, oldest first). */
const HISTORY_LIMIT = 200;

const MonitorQuery = z.strictObject({ modelId: z.coerce.number().int().min(1).optional() });

/** GET /v1/tasks/:task/monitor (staff): live windows per model next to the CV estimates, and the decay alarms. */
export const monitorRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/tasks/:task/monitor', {
    config: { access: 'staff' },
    schema: {
      tags: ['monitor'], summary: 'Rolling windows per model (count and time) with their persisted history, decay tests and alarms', params: TaskParams, querystring: MonitorQuery,
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
    const reports = await curator.monitor(request.params.task, modelId === undefined ? {} : { modelId });
    // The persisted count windows give each model's live figures over time (the dashboard's
    // chart against the decay threshold), not only as they are now.
    const windows = await curator.store.triggerMonitor.monitorWindowsOf(reports.map((r) => r.modelId), HISTORY_LIMIT * Math.max(1, reports.length));
    const models = reports.map((r) => ({
      ...r,
      history: windows
        .filter((w) => w.modelId === r.modelId && w.metrics['kind'] === 'count')
        .slice(0, HISTORY_LIMIT)
        .reverse()
        .map((w) => ({
          windowStart: w.windowStart.toISOString(), windowEnd: w.windowEnd.toISOString(), n: w.n, accuracy: w.accuracy,
          precision_macro: w.metrics['precision_macro'] ?? null, recall_macro: w.metrics['recall_macro'] ?? null, primary: w.metrics['primary'] ?? null,
        })),
    }));
    const alarms = await curator.alarms(request.params.task, 100);
    return { models: models as unknown as Record<string, unknown>[], alarms };
  });
};
