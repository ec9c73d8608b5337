import type { Kysely } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { parseJson, scopeColumns, toMs, toTriggerEvent } from './mappers.ts';
import type { Tables, TriggerEventRow } from './schema.ts';
import type { Scope, TriggerEvent } from './types.ts';

/** trigger_events with the `detail` column of migration 0005. */
interface WatchTables extends Omit<Tables, 'trigger_events'> {
  trigger_events: TriggerEventRow & { detail: string | null };
}

/** A trigger firing with its figures (JSON). */
export interface DetailedTriggerEvent extends TriggerEvent {
  readonly detail: Readonly<Record<string, unknown>> | null;
}

/** A trigger firing to record. */
export type NewDetailedTriggerEvent = Omit<DetailedTriggerEvent, 'id'>;

/** How a scope's labelled corpus stands against a time: cheap counts, no rows read. */
export interface LabelCounts {
  /** Documents with at least one label in the scope (an upper bound of the resolved count). */
  readonly documents: number;
  /** Labels given or changed after `since` in the scope. */
  readonly since: number;
}

/** One feedback joined to the prediction it answers. */
export interface JoinedFeedback {
  /** The feedback row's id. */
  readonly id: number;
  readonly truth: string;
  readonly predicted: string;
  readonly at: Date;
}

/**
 * What triggers and decay monitoring read and write: label counts per scope, the last build and
 * snapshot of a scope, trigger events with their detail, feedback joined to predictions.
 */
export class TriggerMonitorRepo {
  private readonly db: Kysely<WatchTables>;

  constructor(
    db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {
    this.db = db as unknown as Kysely<WatchTables>;
  }

  /** Every task id. */
  async taskIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('tasks').select('id').orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  /**
   * Labelled documents of a scope and labels given since a time, as two COUNT queries (global:
   * every annotator; group: its members; user: that user).
   */
  async labelCounts(taskId: string, scope: Scope, since: Date | null): Promise<LabelCounts> {
    const docs = await this.annotationsOf(taskId, scope)
      .select((eb) => eb.fn.count<number>('annotations.document_id').distinct().as('n'))
      .executeTakeFirstOrThrow();
    let q = this.annotationsOf(taskId, scope).select((eb) => eb.fn.countAll<number>().as('n'));
    if (since !== null) q = q.where('annotations.updated_at', '>', toMs(since));
    const recent = await q.executeTakeFirstOrThrow();
    return { documents: Number(docs.n), since: Number(recent.n) };
  }

  private annotationsOf(taskId: string, scope: Scope) {
    let q = this.db
      .selectFrom('annotations')
      .innerJoin('documents', 'documents.id', 'annotations.document_id')
      .where('documents.task_id', '=', taskId);
    if (scope.kind === 'user') q = q.where('annotations.user_id', '=', scope.userId);
    if (scope.kind === 'group') {
      const groupId = scope.groupId;
      q = q.where('annotations.user_id', 'in', (eb) => eb.selectFrom('memberships').select('memberships.user_id').where('memberships.group_id', '=', groupId));
    }
    return q;
  }

  /** The newest snapshot of a task and scope (what the last build froze). */
  async latestSnapshot(taskId: string, scope: Scope): Promise<{ id: number; size: number; createdAt: Date } | undefined> {
    const s = scopeColumns(scope);
    const r = await this.db
      .selectFrom('snapshots')
      .select(['id', 'size', 'created_at'])
      .where('task_id', '=', taskId)
      .where('scope_kind', '=', s.scope_kind)
      .where('scope_owner', '=', s.scope_owner)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r === undefined ? undefined : { id: Number(r.id), size: Number(r.size), createdAt: new Date(Number(r.created_at)) };
  }

  /** When the newest build job of a task and scope was created (any status). */
  async lastBuildAt(taskId: string, scope: Scope): Promise<Date | undefined> {
    const s = scopeColumns(scope);
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where('task_id', '=', taskId)
      .where('scope_kind', '=', s.scope_kind)
      .where('scope_owner', '=', s.scope_owner)
      .where('kind', '=', 'build')
      .executeTakeFirst();
    return r?.at === null || r?.at === undefined ? undefined : new Date(Number(r.at));
  }

  async addTriggerEvent(e: NewDetailedTriggerEvent): Promise<DetailedTriggerEvent> {
    const row = {
      task_id: e.taskId, ...scopeColumns(e.scope), rule: e.rule, reason: e.reason, job_id: e.jobId,
      detail: e.detail === null ? null : JSON.stringify(e.detail), created_at: toMs(e.createdAt),
    };
    const r = await guarded(this.dialect, () => insertRow(this.db as unknown as Kysely<Tables>, this.dialect, 'trigger_events', row as never), {
      foreign_key: `unknown task '${e.taskId}' or job ${e.jobId}`,
    });
    return { ...toTriggerEvent(r), detail: e.detail };
  }

  /** A task's trigger events, newest first, optionally of one rule kind. */
  async triggerEvents(taskId: string, options: { rule?: string; limit?: number } = {}): Promise<DetailedTriggerEvent[]> {
    let q = this.db.selectFrom('trigger_events').selectAll().where('task_id', '=', taskId);
    if (options.rule !== undefined) q = q.where('rule', '=', options.rule);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit ?? 100).execute();
    return rows.map((r) => ({
      ...toTriggerEvent(r),
      detail: r.detail === null ? null : parseJson<Record<string, unknown>>(r.detail, 'trigger_events.detail'),
    }));
  }

  /** The newest `limit` feedbacks on predictions a model decided (at or after `since`), oldest first. */
  async feedbackOfModel(modelId: number, options: { limit: number; since?: Date }): Promise<JoinedFeedback[]> {
    let q = this.db
      .selectFrom('feedback')
      .innerJoin('predictions', 'predictions.id', 'feedback.prediction_id')
      .select(['feedback.label as truth', 'predictions.output as predicted', 'feedback.created_at as at', 'feedback.id as id'])
      .where('predictions.model_id', '=', modelId);
    if (options.since !== undefined) q = q.where('feedback.created_at', '>=', toMs(options.since));
    const rows = await q.orderBy('feedback.created_at', 'desc').orderBy('feedback.id', 'desc').limit(options.limit).execute();
    return rows.reverse().map((r) => ({ id: Number(r.id), truth: r.truth, predicted: r.predicted, at: new Date(Number(r.at)) }));
  }

  /** Monitor windows of several models, newest first (the query the read API pages through). */
  async monitorWindowsOf(modelIds: readonly number[], limit: number): Promise<{ modelId: number; windowStart: Date; windowEnd: Date; n: number; accuracy: number | null; metrics: Record<string, unknown>; createdAt: Date }[]> {
    if (modelIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('monitor_windows')
      .selectAll()
      .where('model_id', 'in', modelIds)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      modelId: Number(r.model_id), windowStart: new Date(Number(r.window_start)), windowEnd: new Date(Number(r.window_end)),
      n: Number(r.n), accuracy: r.accuracy === null ? null : Number(r.accuracy), metrics: parseJson<Record<string, unknown>>(r.metrics, 'monitor_windows.metrics'),
      createdAt: new Date(Number(r.created_at)),
    }));
  }

  /** Models of a task that have monitor windows or feedback, by id. */
  async monitoredModels(taskId: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('monitor_windows')
      .innerJoin('models', 'models.id', 'monitor_windows.model_id')
      .select('monitor_windows.model_id')
      .distinct()
      .where('models.task_id', '=', taskId)
      .execute();
    return rows.map((r) => Number(r.model_id)).sort((a, b) => a - b);
  }
}
