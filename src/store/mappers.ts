import type { Selectable } from 'kysely';
import { CuratorError } from '../ml/errors.ts';
import type * as R from './schema.ts';
import type * as E from './types.ts';

/*
 * Rows in, entities out (and the few conversions the other way). The only place that knows
 * the column conventions of schema.ts.
 */

/** Epoch ms (a number on every backend, see postgres-dialect's int8 parser) to a Date. */
export const toDate = (ms: number | string): Date => new Date(Number(ms));
export const toDateOrNull = (ms: number | string | null): Date | null => (ms === null ? null : toDate(ms));
/** A Date to the epoch ms a `*_at` column holds. */
export const toMs = (d: Date): number => d.getTime();

/** A scope as the two scope columns. */
export function scopeColumns(scope: E.Scope): { scope_kind: string; scope_owner: string } {
  switch (scope.kind) {
    case 'global':
      return { scope_kind: 'global', scope_owner: '' };
    case 'group':
      return { scope_kind: 'group', scope_owner: scope.groupId };
    case 'user':
      return { scope_kind: 'user', scope_owner: scope.userId };
  }
}

/** The two scope columns as a scope. */
export function toScope(kind: string, owner: string): E.Scope {
  if (kind === 'global') return { kind: 'global' };
  if (kind === 'group') return { kind: 'group', groupId: owner };
  if (kind === 'user') return { kind: 'user', userId: owner };
  throw new CuratorError('INVALID_STATE', `stored scope kind ${JSON.stringify(kind)} is not global, group or user`);
}

/** JSON text from a column; a corrupt value is a coded error naming the column, not a SyntaxError. */
export function parseJson<T>(text: string, column: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new CuratorError('INVALID_STATE', `stored JSON in ${column} does not parse`, { field: column, cause });
  }
}

/** Bytes as the registry hands them out: a plain Uint8Array view, no copy. */
export function toBytes(data: Uint8Array): Uint8Array {
  return data.constructor === Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export const toTask = (r: R.TaskRow): E.Task => ({
  id: r.id,
  description: r.description,
  labels: parseJson<string[]>(r.labels, 'tasks.labels'),
  inputKind: r.input_kind as E.Task['inputKind'],
  config: parseJson<Record<string, unknown>>(r.config, 'tasks.config'),
  createdAt: toDate(r.created_at),
});

export const toUser = (r: R.UserRow): E.User => ({
  id: r.id,
  displayName: r.display_name,
  createdAt: toDate(r.created_at),
});

export const toGroup = (r: R.GroupRow): E.Group => ({
  id: r.id,
  description: r.description,
  expert: Number(r.expert) === 1,
  createdAt: toDate(r.created_at),
});

export const toApiToken = (r: Selectable<R.ApiTokenRow>): E.ApiToken => ({
  id: Number(r.id),
  userId: r.user_id,
  role: r.role,
  label: r.label,
  createdAt: toDate(r.created_at),
  expiresAt: toDateOrNull(r.expires_at),
  revokedAt: toDateOrNull(r.revoked_at),
  lastUsedAt: toDateOrNull(r.last_used_at),
});

export const toDocument = (r: Selectable<R.DocumentRow>): E.CorpusDocument => ({
  id: Number(r.id),
  taskId: r.task_id,
  externalId: r.external_id,
  content: r.content,
  features: r.features === null ? null : parseJson<Record<string, unknown>>(r.features, 'documents.features'),
  contentHash: r.content_hash,
  authorId: r.author_id,
  metadata: parseJson<Record<string, unknown>>(r.metadata, 'documents.metadata'),
  createdAt: toDate(r.created_at),
});

export const toAnnotation = (r: Selectable<R.AnnotationRow>): E.Annotation => ({
  id: Number(r.id),
  documentId: Number(r.document_id),
  userId: r.user_id,
  label: r.label,
  createdAt: toDate(r.created_at),
  updatedAt: toDate(r.updated_at),
});

export const toSnapshot = (r: Selectable<R.SnapshotRow>): E.Snapshot => ({
  id: Number(r.id),
  taskId: r.task_id,
  scope: toScope(r.scope_kind, r.scope_owner),
  contentHash: r.content_hash,
  size: Number(r.size),
  labelCounts: parseJson<Record<string, number>>(r.label_counts, 'snapshots.label_counts'),
  rule: r.rule,
  createdBy: r.created_by,
  createdAt: toDate(r.created_at),
});

export const toModel = (r: Selectable<R.ModelRow>): E.Model => ({
  id: Number(r.id),
  taskId: r.task_id,
  estimator: r.estimator,
  hyperparameters: parseJson<Record<string, unknown>>(r.hyperparameters, 'models.hyperparameters'),
  buildTimeMs: Number(r.build_time_ms),
  score: r.score === null ? null : Number(r.score),
  scoreMetric: r.score_metric,
  formatVersion: Number(r.format_version),
  blobSha256: r.blob_sha256,
  blobBlake3: r.blob_blake3 ?? null,
  blobSize: Number(r.blob_size),
  snapshotId: r.snapshot_id === null ? null : Number(r.snapshot_id),
  jobId: r.job_id === null ? null : Number(r.job_id),
  scope: toScope(r.scope_kind, r.scope_owner),
  status: r.status as E.ModelStatus,
  parentId: r.parent_id === null ? null : Number(r.parent_id),
  createdBy: r.created_by,
  createdAt: toDate(r.created_at),
  statusChangedAt: toDate(r.status_changed_at),
});

export const toEvaluation = (r: Selectable<R.EvaluationRow>): E.Evaluation => ({
  metric: r.metric,
  label: r.label === '' ? null : r.label,
  mean: Number(r.mean),
  std: Number(r.std),
  foldValues: parseJson<number[]>(r.fold_values, 'evaluations.fold_values'),
});

export const toPromotion = (r: Selectable<R.PromotionRow>): E.PromotionEvent => ({
  id: Number(r.id),
  taskId: r.task_id,
  scope: toScope(r.scope_kind, r.scope_owner),
  action: r.action as E.PromotionEvent['action'],
  modelId: Number(r.model_id),
  previousModelId: r.previous_model_id === null ? null : Number(r.previous_model_id),
  actor: r.actor,
  reason: r.reason,
  createdAt: toDate(r.created_at),
});

export const toPrediction = (r: Selectable<R.PredictionRow>): E.Prediction => ({
  id: Number(r.id),
  taskId: r.task_id,
  modelId: r.model_id === null ? null : Number(r.model_id),
  modelIds: parseJson<number[]>(r.model_ids, 'predictions.model_ids'),
  userId: r.user_id,
  inputRef: r.input_ref,
  output: r.output,
  probabilities: r.probabilities === null ? null : parseJson<Record<string, number>>(r.probabilities, 'predictions.probabilities'),
  latencyMs: Number(r.latency_ms),
  createdAt: toDate(r.created_at),
});

export const toFeedback = (r: Selectable<R.FeedbackRow>): E.Feedback => ({
  id: Number(r.id),
  predictionId: Number(r.prediction_id),
  label: r.label,
  userId: r.user_id,
  createdAt: toDate(r.created_at),
});

export const toMonitorWindow = (r: Selectable<R.MonitorWindowRow>): E.MonitorWindow => ({
  id: Number(r.id),
  modelId: Number(r.model_id),
  scope: toScope(r.scope_kind, r.scope_owner),
  windowStart: toDate(r.window_start),
  windowEnd: toDate(r.window_end),
  n: Number(r.n),
  accuracy: r.accuracy === null ? null : Number(r.accuracy),
  metrics: parseJson<Record<string, unknown>>(r.metrics, 'monitor_windows.metrics'),
  createdAt: toDate(r.created_at),
});

export const toJob = (r: Selectable<R.JobRow>): E.Job => ({
  id: Number(r.id),
  taskId: r.task_id,
  scope: toScope(r.scope_kind, r.scope_owner),
  kind: r.kind,
  status: r.status as E.JobStatus,
  progress: Number(r.progress),
  snapshotId: r.snapshot_id === null ? null : Number(r.snapshot_id),
  params: parseJson<Record<string, unknown>>(r.params, 'jobs.params'),
  result: r.result === null ? null : parseJson<unknown>(r.result, 'jobs.result'),
  error: r.error,
  attempts: Number(r.attempts),
  createdAt: toDate(r.created_at),
  startedAt: toDateOrNull(r.started_at),
  finishedAt: toDateOrNull(r.finished_at),
  updatedAt: toDate(r.updated_at),
});

export const toTriggerEvent = (r: Selectable<R.TriggerEventRow>): E.TriggerEvent => ({
  id: Number(r.id),
  taskId: r.task_id,
  scope: toScope(r.scope_kind, r.scope_owner),
  rule: r.rule,
  reason: r.reason,
  jobId: r.job_id === null ? null : Number(r.job_id),
  createdAt: toDate(r.created_at),
});
