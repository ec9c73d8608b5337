import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import { MODEL_ORDERS, type Model, type ModelFilter, type ModelOrder, type Page, type Scope } from '../../registry/index.ts';
import { confusionOf } from '../../registry/confusion.ts';
import { canSeeScope, hidden } from '../access.ts';
import { callerOf, isStaff, type AuthContext } from '../auth.ts';
import type { RouteDeps, RouteModule } from '../context.ts';
import { IdParams, ModelSchema, PageQuery, pageOf, PromotionSchema, ReasonBody, responses } from '../schemas.ts';

/** An ISO time (`2024-05-01T12:00:00Z`) or day (`2024-05-01`, midnight UTC). */
const isoDate = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((s) => new Date(s));

const ListQuery = z.strictObject({
  ...PageQuery,
  task: z.string().min(1).optional(),
  scopeKind: z.enum(['global', 'group', 'user']).optional(),
  scopeOwner: z.string().min(1).optional().describe('group or user id; with scopeKind group or user'),
  status: z.enum(['candidate', 'active', 'retired', 'failed', 'quarantined']).optional(),
  estimator: z.string().min(1).optional(),
  minScore: z.coerce.number().min(0).max(1).optional(),
  maxScore: z.coerce.number().min(0).max(1).optional(),
  createdAfter: isoDate.optional(),
  createdBefore: isoDate.optional(),
  orderBy: z.enum(MODEL_ORDERS as [ModelOrder, ...ModelOrder[]]).optional().describe('sort key (ties break on id); score lists only scored models'),
  direction: z.enum(['asc', 'desc']).optional(),
});

const EvaluationSchema = z.object({ metric: z.string(), label: z.string().nullable(), mean: z.number(), std: z.number(), foldValues: z.array(z.number()).readonly() });
const ConfusionSchema = z.object({
  labels: z.array(z.string()).describe('row and column labels, in order'),
  matrix: z.array(z.array(z.number().int().min(0))).describe('matrix[i][j]: documents of true label i predicted as label j'),
  source: z.enum(['cv', 'full']).describe("'cv': summed over the held-out parts of the cross-validation folds (out-of-fold); 'full': the final model on the full dataset"),
}).describe("The build's confusion matrix (out-of-fold when recorded, else full-dataset); null for models registered without one");
const ModelDetail = z.object({ model: ModelSchema, evaluations: z.array(EvaluationSchema).readonly(), promotions: z.array(PromotionSchema).readonly(), confusion: ConfusionSchema.nullable() });

function scopeFilter(kind: string | undefined, owner: string | undefined): Scope | undefined {
  if (kind === undefined) {
    if (owner !== undefined) throw new CuratorError('INVALID_ARGUMENT', 'scopeOwner needs scopeKind (group or user)', { field: 'scopeOwner' });
    return undefined;
  }
  if (kind === 'global') {
    if (owner !== undefined) throw new CuratorError('INVALID_ARGUMENT', 'scopeOwner must be left out for scopeKind global', { field: 'scopeOwner' });
    return { kind: 'global' };
  }
  if (owner === undefined) throw new CuratorError('INVALID_ARGUMENT', `scopeOwner is required with scopeKind ${kind}`, { field: 'scopeOwner' });
  return kind === 'group' ? { kind: 'group', groupId: owner } : { kind: 'user', userId: owner };
}

/**
 * A page of the models a user may see. The store filters one scope at a time, so for a user
 * token without a scope filter this reads store pages, keeps the visible models and stops at
 * `limit` of them; each store page asks only for what is still missing, so the cursor of the
 * last one read is exact. A page may come back short with a cursor when a stretch of models is
 * hidden (at most 20 reads per request).
 */
async function visiblePage(deps: RouteDeps, auth: AuthContext, filter: ModelFilter, page: { limit: number; cursor: string | null; orderBy?: ModelOrder; direction?: 'asc' | 'desc' }): Promise<Page<Model>> {
  const { orderBy, direction } = page;
  const order = { ...(orderBy === undefined ? {} : { orderBy }), ...(direction === undefined ? {} : { direction }) };
  if (isStaff(auth) || (filter.scope !== undefined)) {
    if (filter.scope !== undefined && !canSeeScope(auth, filter.scope)) return { items: [], nextCursor: null };
    return deps.curator.registry.models.list(filter, { ...order, limit: page.limit, cursor: page.cursor });
  }
  const items: Model[] = [];
  let cursor = page.cursor;
  for (let reads = 0; reads < 20 && items.length < page.limit; reads++) {
    const got = await deps.curator.registry.models.list(filter, { ...order, limit: page.limit - items.length, cursor });
    items.push(...got.items.filter((m) => canSeeScope(auth, m.scope)));
    cursor = got.nextCursor;
    if (cursor === null) break;
  }
  return { items, nextCursor: cursor };
}

async function visibleModel(deps: RouteDeps, auth: AuthContext, id: number): Promise<Model> {
  const model = await deps.curator.store.models.get(id);
  if (model === undefined || !canSeeScope(auth, model.scope)) throw hidden(`model ${id}`, 'id');
  return model;
}

/** The models table: list and detail (user tokens: global, their groups', their own), file, promote, retire. */
export const modelRoutes: RouteModule = (api, deps) => {
  const { curator } = deps;

  api.get('/v1/models', {
    schema: { tags: ['models'], summary: 'Models, filtered and paged', querystring: ListQuery, response: responses({ 200: pageOf(ModelSchema) }) },
  }, async (request) => {
    const auth = callerOf(request);
    const q = request.query;
    const scope = scopeFilter(q.scopeKind, q.scopeOwner);
    const filter: ModelFilter = {
      ...(q.task === undefined ? {} : { taskId: q.task }),
      ...(scope === undefined ? {} : { scope }),
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.estimator === undefined ? {} : { estimator: q.estimator }),
      ...(q.minScore === undefined ? {} : { minScore: q.minScore }),
      ...(q.maxScore === undefined ? {} : { maxScore: q.maxScore }),
      ...(q.createdAfter === undefined ? {} : { createdFrom: q.createdAfter }),
      ...(q.createdBefore === undefined ? {} : { createdBefore: q.createdBefore }),
    };
    return visiblePage(deps, auth, filter, { limit: q.limit ?? 50, cursor: q.cursor ?? null, ...(q.orderBy ? { orderBy: q.orderBy } : {}), ...(q.direction ? { direction: q.direction } : {}) });
  });

  api.get('/v1/models/:id', {
    schema: { tags: ['models'], summary: 'A model with its per-fold evaluations, its build\'s confusion matrix and the promotion history of its scope', params: IdParams, response: responses({ 200: ModelDetail }) },
  }, async (request) => {
    const model = await visibleModel(deps, callerOf(request), request.params.id);
    const [evaluations, promotions] = await Promise.all([
      curator.registry.models.evaluations(model.id),
      curator.registry.promotions.history(model.taskId, model.scope),
    ]);
    return { model, evaluations, promotions, confusion: confusionOf(evaluations) };
  });

  api.get('/v1/models/:id/file', {
    config: { access: 'staff' },
    schema: { tags: ['models'], summary: 'The model file (checked against its SHA-256)', params: IdParams },
  }, async (request, reply) => {
    const { model, bytes } = await curator.registry.models.load(request.params.id);
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="model-${model.id}.cmf"`)
      .header('x-model-sha256', model.blobSha256)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });

  api.post('/v1/models/:id/promote', {
    config: { access: 'staff' },
    schema: { tags: ['models'], summary: 'Make a candidate the active model of its scope', params: IdParams, body: ReasonBody, response: responses({ 200: PromotionSchema }) },
  }, async (request) => {
    const auth = callerOf(request);
    const model = await curator.registry.models.get(request.params.id);
    const event = await curator.registry.promotions.promote({ taskId: model.taskId, modelId: model.id, actor: auth.userId, reason: request.body?.reason ?? 'promoted through the API' });
    curator.invalidate(model.taskId, model.scope);
    return event;
  });

  api.post('/v1/models/:id/retire', {
    config: { access: 'staff' },
    schema: {
      tags: ['models'], summary: 'Retire a model that is not active (the reason goes to the request log; the registry keeps no retire reason)',
      params: IdParams, body: ReasonBody, response: responses({ 200: ModelSchema }),
    },
  }, async (request) => {
    const auth = callerOf(request);
    const model = await curator.registry.models.retire(request.params.id);
    request.log.info({ modelId: model.id, actor: auth.userId, reason: request.body?.reason }, 'model retired');
    return model;
  });
};
