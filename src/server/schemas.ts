import { z } from 'zod';

/*
 * The zod schemas shared by several routes. Request schemas are strict objects: an unknown
 * field is a 400 naming it, so a typo never passes silently. Response schemas describe the JSON
 * that goes out (times as ISO strings) and feed the OpenAPI document.
 */

/** A time in a response: a Date in handlers, an ISO 8601 string in the JSON and the OpenAPI document. */
export const Time = z.date();
export const NullableTime = Time.nullable();

/** Deepest nesting accepted in free-form JSON (metadata, candidate params): deeper input is refused, not stringified into a stack overflow. */
export const MAX_JSON_DEPTH = 32;

/** How deeply a parsed JSON value nests, counted without recursion (stops past `limit`). */
function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    deepest = Math.max(deepest, d);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return deepest;
}

/** A free-form JSON object (metadata, settings) nested at most {@link MAX_JSON_DEPTH} deep. */
export const JsonObject = z.record(z.string(), z.unknown()).refine((v) => jsonDepth(v, MAX_JSON_DEPTH) <= MAX_JSON_DEPTH, {
  message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
});

/** Who a model, snapshot, job or build is for. */
export const ScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('global') }),
  z.strictObject({ kind: z.literal('group'), groupId: z.string().min(1) }),
  z.strictObject({ kind: z.literal('user'), userId: z.string().min(1) }),
]);

/** The error body of every 4xx/5xx answer. */
export const ErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().nullable() }),
});

/** `?limit=&cursor=` of every list. */
export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).optional().describe('page size, 1…500 (default 50)'),
  cursor: z.string().min(1).max(500).optional().describe('nextCursor of the previous page'),
};

/** `{ items, nextCursor }` of `item`. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item).readonly(), nextCursor: z.string().nullable() });
}

/** Route params `:task`. */
export const TaskParams = z.strictObject({ task: z.string().min(1).max(100) });
/** Route params `:id` for integer ids. */
export const IdParams = z.strictObject({ id: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/** Optional `{ reason }` of an action. */
export const ReasonBody = z.strictObject({ reason: z.string().min(1).max(1000).optional() }).optional();

/** Response status code → schema, with the error body for 4xx and 5xx. */
export function responses<T extends Record<number, z.ZodType>>(ok: T): T & { '4xx': typeof ErrorBodySchema; '5xx': typeof ErrorBodySchema } {
  return { ...ok, '4xx': ErrorBodySchema, '5xx': ErrorBodySchema };
}

export const TaskSchema = z.object({
  id: z.string(),
  description: z.string(),
  labels: z.array(z.string()).readonly(),
  inputKind: z.string(),
  createdAt: Time,
});

export const UserSchema = z.object({ id: z.string(), displayName: z.string(), createdAt: Time });
export const GroupSchema = z.object({ id: z.string(), description: z.string(), expert: z.boolean(), createdAt: Time });

export const DocumentSchema = z.object({
  id: z.number().int(),
  taskId: z.string(),
  externalId: z.string().nullable(),
  content: z.string().nullable(),
  authorId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: Time,
});

export const AnnotationSchema = z.object({
  id: z.number().int(),
  documentId: z.number().int(),
  userId: z.string(),
  label: z.string(),
  createdAt: Time,
  updatedAt: Time,
});

export const ModelSchema = z.object({
  id: z.number().int(),
  taskId: z.string(),
  estimator: z.string(),
  hyperparameters: z.record(z.string(), z.unknown()),
  buildTimeMs: z.number(),
  score: z.number().nullable(),
  scoreMetric: z.string().nullable(),
  formatVersion: z.number().int(),
  blobSha256: z.string(),
  blobSize: z.number().int(),
  snapshotId: z.number().int().nullable(),
  jobId: z.number().int().nullable(),
  scope: ScopeSchema,
  status: z.enum(['candidate', 'active', 'retired', 'failed', 'quarantined']),
  parentId: z.number().int().nullable(),
  createdBy: z.string().nullable(),
  createdAt: Time,
  statusChangedAt: Time,
});

export const PromotionSchema = z.object({
  id: z.number().int(),
  taskId: z.string(),
  scope: ScopeSchema,
  action: z.enum(['promote', 'rollback']),
  modelId: z.number().int(),
  previousModelId: z.number().int().nullable(),
  actor: z.string(),
  reason: z.string(),
  createdAt: Time,
});

export const SnapshotSchema = z.object({
  id: z.number().int(),
  taskId: z.string(),
  scope: ScopeSchema,
  contentHash: z.string(),
  size: z.number().int(),
  labelCounts: z.record(z.string(), z.number()),
  rule: z.string(),
  createdBy: z.string().nullable(),
  createdAt: Time,
});

export const JobSchema = z.object({
  id: z.number().int(),
  taskId: z.string(),
  scope: ScopeSchema,
  kind: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: z.number(),
  snapshotId: z.number().int().nullable(),
  params: z.record(z.string(), z.unknown()),
  result: z.unknown(),
  error: z.string().nullable(),
  attempts: z.number().int(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  createdAt: Time,
  startedAt: NullableTime,
  finishedAt: NullableTime,
  updatedAt: Time,
});

export const TriggerEventSchema = z.object({
  id: z.number().int(),
  taskId: z.string(),
  scope: ScopeSchema,
  rule: z.string(),
  reason: z.string(),
  jobId: z.number().int().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable().optional(),
  createdAt: Time,
});

const scopeKinds = z.array(z.enum(['global', 'group', 'user'])).min(1).optional();

/** A trigger rule as PUT /v1/tasks/:task/triggers takes it (the curator checks the figures). */
export const TriggerRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('growth'), labels: z.number().int().min(1).optional(), percent: z.number().positive().optional(), scopes: scopeKinds }),
  z.strictObject({ kind: z.literal('schedule'), everyMs: z.number().int().min(1), scopes: scopeKinds }),
  z.strictObject({
    kind: z.literal('decay'), scopes: scopeKinds,
    floor: z.number().min(0).max(1).nullable().optional(), alpha: z.number().gt(0).lt(1).optional(), margin: z.number().min(0).max(1).optional(),
    minSamples: z.number().int().min(1).optional(), window: z.number().int().min(1).optional(), windowMs: z.number().int().min(1).optional(),
  }),
  z.strictObject({ kind: z.literal('manual') }),
]);
