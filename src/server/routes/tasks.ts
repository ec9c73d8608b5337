import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import type { TaskDefinition } from '../../lifecycle/index.ts';
import { canSeeScope } from '../access.ts';
import { callerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { JsonObject, ModelSchema, pageOf, responses, ScopeSchema, TaskParams, TaskSchema, TriggerRuleSchema } from '../schemas.ts';

const CreateTask = z.strictObject({
  id: z.string().regex(/^[\w.-]{1,100}$/, "1-100 letters, digits, '_', '.', '-'"),
  labels: z.array(z.string().min(1).max(200)).min(2).max(1000),
  name: z.string().max(500).optional().describe('stored as the description'),
  description: z.string().max(5000).optional(),
  config: z.strictObject({
    candidates: z.array(JsonObject).min(1).max(100).optional(),
    cv: z.strictObject({ folds: z.number().int().optional(), seed: z.number().int().optional() }).optional(),
    primaryMetric: z.string().optional(),
    minLabels: z.strictObject({ global: z.number().int().optional(), group: z.number().int().optional(), user: z.number().int().optional() }).optional(),
    selection: z.strictObject({ policy: z.enum(['fallback', 'ensemble']).optional(), floor: z.number().nullable().optional() }).optional(),
    promotion: z.strictObject({ margin: z.number().optional() }).optional(),
    triggers: z.array(TriggerRuleSchema).optional(),
  }).optional().describe('settings; every one has a default (ten candidates, 12 folds, f1_macro, growth 10 % + manual)'),
});

const TaskDetail = z.object({
  task: TaskSchema,
  config: z.record(z.string(), z.unknown()),
  corpus: z.object({ documents: z.number().int() }),
  active: z.array(z.object({ scope: ScopeSchema, model: ModelSchema })).readonly(),
});

/** Tasks: list and detail for any token, create for staff. */
export const taskRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/tasks', {
    schema: { tags: ['tasks'], summary: 'Every task', response: responses({ 200: pageOf(TaskSchema) }) },
  }, async () => ({ items: await curator.store.listing.tasks(), nextCursor: null }));

  api.post('/v1/tasks', {
    config: { access: 'staff' },
    schema: { tags: ['tasks'], summary: 'Create a task', body: CreateTask, response: responses({ 201: TaskSchema }) },
  }, async (request, reply) => {
    const b = request.body;
    const def = { id: b.id, labels: b.labels, ...(b.config ?? {}), description: b.description ?? b.name ?? '' } as TaskDefinition;
    try {
      return reply.code(201).send(await curator.createTask(def));
    } catch (error) {
      // The curator names settings from the definition's top level; in this body they sit under `config`.
      if (error instanceof CuratorError && error.field !== undefined && !['id', 'labels', 'description', 'definition'].includes(error.field)) {
        throw new CuratorError(error.code, error.message, { field: `config.${error.field}`, cause: error });
      }
      throw error;
    }
  });

  api.get('/v1/tasks/:task', {
    schema: { tags: ['tasks'], summary: 'A task, its resolved settings, corpus size and active model per scope', params: TaskParams, response: responses({ 200: TaskDetail }) },
  }, async (request) => {
    const auth = callerOf(request);
    const { task, config } = await curator.task(request.params.task);
    const active = (await curator.registry.models.list({ taskId: task.id, status: 'active' }, { limit: 500 })).items.filter((m) => canSeeScope(auth, m.scope));
    return {
      task,
      config: config as unknown as Record<string, unknown>,
      corpus: { documents: await curator.store.listing.countDocuments(task.id) },
      active: active.map((model) => ({ scope: model.scope, model })),
    };
  });
};
