/*
 * The entities Curator's upper layers see: plain objects, never rows. They live here, at the
 * bottom, because the store's mappers produce them and src/store may not import src/registry;
 * src/registry re-exports them.
 */

/** Who a model, snapshot or promotion is for: everyone, a group, or one user. */
export type Scope =
  | { readonly kind: 'global' }
  | { readonly kind: 'group'; readonly groupId: string }
  | { readonly kind: 'user'; readonly userId: string };

/** The global scope. */
export const GLOBAL: Scope = Object.freeze({ kind: 'global' });

/** Life cycle of a registered model. */
export type ModelStatus = 'candidate' | 'active' | 'retired' | 'failed' | 'quarantined';

/** A named prediction problem. */
export interface Task {
  readonly id: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly inputKind: 'text' | 'tabular';
  /** Candidate specs, trigger rules, selection and promotion policies: owned by the lifecycle layer. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface User {
  readonly id: string;
  readonly displayName: string;
  readonly createdAt: Date;
}

export interface Group {
  readonly id: string;
  readonly description: string;
  /** An expert group's labels win over everyone else's when a snapshot resolves labels. */
  readonly expert: boolean;
  readonly createdAt: Date;
}

/** An API token as stored: its hash is never given out, the token itself never kept. */
export interface ApiToken {
  readonly id: number;
  readonly userId: string;
  readonly role: string;
  readonly label: string;
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export interface CorpusDocument {
  readonly id: number;
  readonly taskId: string;
  readonly externalId: string | null;
  readonly content: string | null;
  readonly features: Readonly<Record<string, unknown>> | null;
  /** SHA-256 of the input: snapshot hashes are built from it, so they do not depend on ids. */
  readonly contentHash: string;
  readonly authorId: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export interface Annotation {
  readonly id: number;
  readonly documentId: number;
  readonly userId: string;
  readonly label: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** One annotation with what label resolution needs about its document. */
export interface TaskAnnotation {
  readonly documentId: number;
  readonly contentHash: string;
  readonly userId: string;
  readonly label: string;
}

/** An immutable, content-hashed set of (document, label) pairs. */
export interface Snapshot {
  readonly id: number;
  readonly taskId: string;
  readonly scope: Scope;
  readonly contentHash: string;
  readonly size: number;
  readonly labelCounts: Readonly<Record<string, number>>;
  /** The label resolution rule that produced it, e.g. 'majority+expert'. */
  readonly rule: string;
  readonly createdBy: string | null;
  readonly createdAt: Date;
}

export interface SnapshotItem {
  readonly documentId: number;
  readonly label: string;
}

/** A registered model: the seed's table row (id, estimator, hyperparameters, build time, score) and more. */
export interface Model {
  readonly id: number;
  readonly taskId: string;
  readonly estimator: string;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly buildTimeMs: number;
  /** Primary score (e.g. mean cross-validated F1); null when the build failed before scoring. */
  readonly score: number | null;
  readonly scoreMetric: string | null;
  readonly formatVersion: number;
  readonly blobSha256: string;
  /** BLAKE3 of the blob, which loads check; null for models registered before it was recorded (loads check the SHA-256). */
  readonly blobBlake3: string | null;
  readonly blobSize: number;
  readonly snapshotId: number | null;
  readonly jobId: number | null;
  readonly scope: Scope;
  readonly status: ModelStatus;
  readonly parentId: number | null;
  readonly createdBy: string | null;
  readonly createdAt: Date;
  readonly statusChangedAt: Date;
}

/** One (model, metric, label) score over the cross-validation folds. */
export interface Evaluation {
  readonly metric: string;
  /** null for a score averaged over labels (accuracy, macro F1, …). */
  readonly label: string | null;
  readonly mean: number;
  readonly std: number;
  readonly foldValues: readonly number[];
}

/** One entry of the append-only promotion history. */
export interface PromotionEvent {
  readonly id: number;
  readonly taskId: string;
  readonly scope: Scope;
  readonly action: 'promote' | 'rollback';
  readonly modelId: number;
  readonly previousModelId: number | null;
  readonly actor: string;
  readonly reason: string;
  readonly createdAt: Date;
}

/** A logged prediction. */
export interface Prediction {
  readonly id: number;
  readonly taskId: string;
  readonly modelId: number | null;
  readonly modelIds: readonly number[];
  readonly userId: string | null;
  readonly inputRef: string | null;
  readonly output: string;
  readonly probabilities: Readonly<Record<string, number>> | null;
  readonly latencyMs: number;
  readonly createdAt: Date;
}

export interface Feedback {
  readonly id: number;
  readonly predictionId: number;
  readonly label: string;
  readonly userId: string | null;
  readonly createdAt: Date;
}

export interface MonitorWindow {
  readonly id: number;
  readonly modelId: number;
  readonly scope: Scope;
  readonly windowStart: Date;
  readonly windowEnd: Date;
  readonly n: number;
  readonly accuracy: number | null;
  /** precision, recall, F1 per label and averaged. */
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface Job {
  readonly id: number;
  readonly taskId: string;
  readonly scope: Scope;
  readonly kind: string;
  readonly status: JobStatus;
  readonly progress: number;
  readonly snapshotId: number | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly result: unknown;
  readonly error: string | null;
  readonly attempts: number;
  readonly createdAt: Date;
  readonly startedAt: Date | null;
  readonly finishedAt: Date | null;
  readonly updatedAt: Date;
}

export interface TriggerEvent {
  readonly id: number;
  readonly taskId: string;
  readonly scope: Scope;
  readonly rule: string;
  readonly reason: string;
  readonly jobId: number | null;
  readonly createdAt: Date;
}
