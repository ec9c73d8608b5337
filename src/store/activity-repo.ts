import type { Kysely } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { scopeColumns, toFeedback, toJob, toMonitorWindow, toMs, toPrediction, toTriggerEvent } from './mappers.ts';
import type { Tables } from './schema.ts';
import type { Feedback, Job, JobStatus, MonitorWindow, Prediction, Scope, TriggerEvent } from './types.ts';

/** A prediction to log. */
export type NewPrediction = Omit<Prediction, 'id'>;
/** A build job to queue. */
export interface NewJob {
  readonly taskId: string;
  readonly scope: Scope;
  readonly kind?: string;
  readonly snapshotId?: number | null;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly createdAt?: Date;
}
/** Fields of a job that change while it runs. */
export interface JobUpdate {
  readonly status?: JobStatus;
  readonly progress?: number;
  readonly snapshotId?: number | null;
  readonly result?: unknown;
  readonly error?: string | null;
  readonly attempts?: number;
  readonly startedAt?: Date | null;
  readonly finishedAt?: Date | null;
}

const PREDICTION_COLUMNS = 9;
/** Rows per INSERT: big enough to amortise a statement, small enough to compile quickly. */
const MAX_ROWS_PER_STATEMENT = 500;

/** What happens around the models: the prediction log, feedback, monitor windows, jobs, trigger events. */
export class ActivityRepo {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {}

  /**
   * Logs predictions with multi-row INSERTs. Durability comes from the caller's transaction:
   * wrap a batch in `store.transaction` so it costs one commit (one fsync on SQLite).
   */
  async logPredictions(predictions: readonly NewPrediction[]): Promise<void> {
    const perStatement = Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(this.dialect.capabilities.maxBindParameters / PREDICTION_COLUMNS));
    for (let i = 0; i < predictions.length; i += perStatement) {
      const rows = predictions.slice(i, i + perStatement).map((p) => ({
        task_id: p.taskId,
        model_id: p.modelId,
        model_ids: JSON.stringify(p.modelIds),
        user_id: p.userId,
        input_ref: p.inputRef,
        output: p.output,
        probabilities: p.probabilities === null ? null : JSON.stringify(p.probabilities),
        latency_ms: p.latencyMs,
        created_at: toMs(p.createdAt),
      }));
      await guarded(this.dialect, () => this.db.insertInto('predictions').values(rows).execute(), {
        foreign_key: 'a prediction references an unknown task or model',
      });
    }
  }

  /** Logged predictions of a task, newest first. */
  async recentPredictions(taskId: string, limit = 50): Promise<Prediction[]> {
    const rows = await this.db
      .selectFrom('predictions')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toPrediction);
  }

  async countPredictions(taskId?: string): Promise<number> {
    let q = this.db.selectFrom('predictions').select((eb) => eb.fn.countAll<number>().as('n'));
    if (taskId !== undefined) q = q.where('task_id', '=', taskId);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  async addFeedback(f: Omit<Feedback, 'id'>): Promise<Feedback> {
    const row = { prediction_id: f.predictionId, label: f.label, user_id: f.userId, created_at: toMs(f.createdAt) };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'feedback', row), {
      foreign_key: `unknown prediction ${f.predictionId}`,
      field: 'predictionId',
    });
    return toFeedback(r);
  }

  async addMonitorWindow(w: Omit<MonitorWindow, 'id'>): Promise<MonitorWindow> {
    const row = {
      model_id: w.modelId,
      ...scopeColumns(w.scope),
      window_start: toMs(w.windowStart),
      window_end: toMs(w.windowEnd),
      n: w.n,
      accuracy: w.accuracy,
      metrics: JSON.stringify(w.metrics),
      created_at: toMs(w.createdAt),
    };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'monitor_windows', row), {
      unique: `model ${w.modelId} already has this window`,
      foreign_key: `unknown model ${w.modelId}`,
    });
    return toMonitorWindow(r);
  }

  async monitorWindows(modelId: number): Promise<MonitorWindow[]> {
    const rows = await this.db.selectFrom('monitor_windows').selectAll().where('model_id', '=', modelId).orderBy('window_start').execute();
    return rows.map(toMonitorWindow);
  }

  async createJob(j: NewJob): Promise<Job> {
    const at = toMs(j.createdAt ?? new Date());
    const row = {
      task_id: j.taskId,
      ...scopeColumns(j.scope),
      kind: j.kind ?? 'build',
      status: 'queued',
      progress: 0,
      snapshot_id: j.snapshotId ?? null,
      params: JSON.stringify(j.params ?? {}),
      result: null,
      error: null,
      attempts: 0,
      created_at: at,
      started_at: null,
      finished_at: null,
      updated_at: at,
    };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'jobs', row), {
      foreign_key: `unknown task '${j.taskId}' or snapshot ${j.snapshotId}`,
    });
    return toJob(r);
  }

  async updateJob(id: number, u: JobUpdate, at = new Date()): Promise<void> {
    const set: Record<string, unknown> = { updated_at: toMs(at) };
    if (u.status !== undefined) set.status = u.status;
    if (u.progress !== undefined) set.progress = u.progress;
    if (u.snapshotId !== undefined) set.snapshot_id = u.snapshotId;
    if (u.result !== undefined) set.result = JSON.stringify(u.result);
    if (u.error !== undefined) set.error = u.error;
    if (u.attempts !== undefined) set.attempts = u.attempts;
    if (u.startedAt !== undefined) set.started_at = u.startedAt === null ? null : toMs(u.startedAt);
    if (u.finishedAt !== undefined) set.finished_at = u.finishedAt === null ? null : toMs(u.finishedAt);
    await guarded(this.dialect, () => this.db.updateTable('jobs').set(set).where('id', '=', id).execute(), {
      check: `job status must be queued, running, succeeded, failed or cancelled; got ${JSON.stringify(u.status)}`,
      field: 'status',
    });
  }

  async getJob(id: number): Promise<Job | undefined> {
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toJob(r);
  }

  async addTriggerEvent(e: Omit<TriggerEvent, 'id'>): Promise<TriggerEvent> {
    const row = { task_id: e.taskId, ...scopeColumns(e.scope), rule: e.rule, reason: e.reason, job_id: e.jobId, created_at: toMs(e.createdAt) };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'trigger_events', row), {
      foreign_key: `unknown task '${e.taskId}' or job ${e.jobId}`,
    });
    return toTriggerEvent(r);
  }

  async triggerEvents(taskId: string, limit = 100): Promise<TriggerEvent[]> {
    const rows = await this.db
      .selectFrom('trigger_events')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toTriggerEvent);
  }
}
