import type { Generated } from 'kysely';

/*
 * The rows as the database holds them. Only src/store sees these; mappers.ts turns them into
 * the entities of types.ts. Conventions, identical on every backend:
 *  - times are epoch milliseconds in `bigint` columns (`*_at`);
 *  - JSON is text, parsed by the mappers;
 *  - booleans are 0/1 integers;
 *  - a scope is (`scope_kind`, `scope_owner`), the owner '' for the global scope, so unique
 *    constraints treat it like any other value (NULLs would be distinct).
 */

/** Columns shared by everything that belongs to a task and scope. */
interface ScopedRow {
  task_id: string;
  scope_kind: string;
  scope_owner: string;
}

export interface TaskRow {
  id: string;
  description: string;
  labels: string;
  input_kind: string;
  config: string;
  created_at: number;
}

export interface UserRow {
  id: string;
  display_name: string;
  created_at: number;
}

export interface GroupRow {
  id: string;
  description: string;
  expert: number;
  created_at: number;
}

export interface MembershipRow {
  user_id: string;
  group_id: string;
  created_at: number;
}

export interface ApiTokenRow {
  id: Generated<number>;
  user_id: string;
  token_hash: string;
  role: string;
  label: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface DocumentRow {
  id: Generated<number>;
  task_id: string;
  external_id: string | null;
  content: string | null;
  features: string | null;
  content_hash: string;
  author_id: string | null;
  metadata: string;
  created_at: number;
}

export interface AnnotationRow {
  id: Generated<number>;
  document_id: number;
  user_id: string;
  label: string;
  created_at: number;
  updated_at: number;
}

export interface SnapshotRow extends ScopedRow {
  id: Generated<number>;
  content_hash: string;
  size: number;
  label_counts: string;
  rule: string;
  created_by: string | null;
  created_at: number;
}

export interface SnapshotItemRow {
  snapshot_id: number;
  document_id: number;
  label: string;
}

export interface ModelRow extends ScopedRow {
  id: Generated<number>;
  estimator: string;
  hyperparameters: string;
  build_time_ms: number;
  score: number | null;
  score_metric: string | null;
  format_version: number;
  blob_sha256: string;
  /** Null for models registered before migration 0008. */
  blob_blake3: string | null;
  blob_size: number;
  snapshot_id: number | null;
  job_id: number | null;
  status: string;
  parent_id: number | null;
  created_by: string | null;
  created_at: number;
  status_changed_at: number;
}

export interface ModelBlobRow {
  model_id: number;
  data: Uint8Array;
}

export interface EvaluationRow {
  id: Generated<number>;
  model_id: number;
  metric: string;
  label: string;
  mean: number;
  std: number;
  fold_values: string;
}

export interface PromotionRow extends ScopedRow {
  id: Generated<number>;
  action: string;
  model_id: number;
  previous_model_id: number | null;
  actor: string;
  reason: string;
  created_at: number;
}

export interface PredictionRow {
  id: Generated<number>;
  task_id: string;
  model_id: number | null;
  model_ids: string;
  user_id: string | null;
  input_ref: string | null;
  output: string;
  probabilities: string | null;
  latency_ms: number;
  created_at: number;
}

export interface FeedbackRow {
  id: Generated<number>;
  prediction_id: number;
  label: string;
  user_id: string | null;
  created_at: number;
}

export interface MonitorWindowRow {
  id: Generated<number>;
  model_id: number;
  scope_kind: string;
  scope_owner: string;
  window_start: number;
  window_end: number;
  n: number;
  accuracy: number | null;
  metrics: string;
  created_at: number;
}

export interface JobRow extends ScopedRow {
  id: Generated<number>;
  kind: string;
  status: string;
  progress: number;
  snapshot_id: number | null;
  params: string;
  result: string | null;
  error: string | null;
  attempts: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface TriggerEventRow extends ScopedRow {
  id: Generated<number>;
  rule: string;
  reason: string;
  job_id: number | null;
  created_at: number;
}

/** Every table, for Kysely. */
export interface Tables {
  tasks: TaskRow;
  users: UserRow;
  groups: GroupRow;
  memberships: MembershipRow;
  api_tokens: ApiTokenRow;
  documents: DocumentRow;
  annotations: AnnotationRow;
  snapshots: SnapshotRow;
  snapshot_items: SnapshotItemRow;
  models: ModelRow;
  model_blobs: ModelBlobRow;
  evaluations: EvaluationRow;
  promotions: PromotionRow;
  predictions: PredictionRow;
  feedback: FeedbackRow;
  monitor_windows: MonitorWindowRow;
  jobs: JobRow;
  trigger_events: TriggerEventRow;
}
