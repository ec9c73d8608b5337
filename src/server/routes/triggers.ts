import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import type { TriggerRule } from '../../lifecycle/index.ts';
import type { RouteModule } from '../context.ts';
import { responses, TaskParams, TriggerEventSchema, TriggerRuleSchema } from '../schemas.ts';

const Rules = z.strictObject({ rules: z.array(TriggerRuleSchema).max(50) });
const EventsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() });

/** A task's trigger rules and firing history (staff); PUT replaces the rules. */
export const triggerRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/tasks/:task/triggers', {
    config: { access: 'staff' },
    schema: {
      tags: ['triggers'], summary: 'Trigger rules and firings, newest first', params: TaskParams, querystring: EventsQuery,
      response: responses({ 200: z.object({ rules: z.array(z.record(z.string(), z.unknown())), events: z.array(TriggerEventSchema).readonly() }) }),
    },
  }, async (request) => {
    const { task, config } = await curator.task(request.params.task);
    const events = await curator.triggerEvents(task.id, { limit: request.query.limit ?? 100 });
    return { rules: config.triggers as unknown as Record<string, unknown>[], events };
  });

  api.put('/v1/tasks/:task/triggers', {
    config: { access: 'staff' },
    schema: {
      tags: ['triggers'], summary: 'Replace the trigger rules (all checked before any is stored)', params: TaskParams, body: Rules,
      response: responses({ 200: z.object({ rules: z.array(z.record(z.string(), z.unknown())) }) }),
    },
  }, async (request) => {
    try {
      const config = await curator.setTriggers(request.params.task, request.body.rules as TriggerRule[]);
      return { rules: config.triggers as unknown as Record<string, unknown>[] };
    } catch (error) {
      // The curator calls the list `triggers`; in this body it is `rules`.
      if (error instanceof CuratorError && error.field?.startsWith('triggers') === true) {
        throw new CuratorError(error.code, error.message, { field: `rules${error.field.slice('triggers'.length)}`, cause: error });
      }
      throw error;
    }
  });
};
