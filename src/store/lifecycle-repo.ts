import type { Kysely } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { toMs } from './mappers.ts';
import type { PredictionRow, Tables } from './schema.ts';
import type { NewPrediction } from './activity-repo.ts';

/** The predictions table with the `ref` column of migration 0003. */
interface LifecycleTables extends Omit<Tables, 'predictions'> {
  predictions: PredictionRow & { ref: string | null };
}

/** A prediction to log with the reference `predict` answered with. */
export interface NewReferencedPrediction extends NewPrediction {
  readonly ref: string;
}

/** What feedback needs about a logged prediction. */
export interface PredictionRef {
  readonly id: number;
  readonly ref: string;
  readonly taskId: string;
  readonly modelId: number | null;
  readonly output: string;
}

/** A document's input as a build reads it. */
export interface DocumentInput {
  readonly id: number;
  readonly content: string | null;
  readonly contentHash: string;
}

const PREDICTION_COLUMNS = 10;
const MAX_ROWS_PER_STATEMENT = 500;

/**
 * What the lifecycle layer reads and writes beyond the other repositories: documents in bulk
 * for a build, label counts per annotator (scope minimums), and the prediction log keyed by the
 * reference `predict` answers with (see migration 0003).
 */
export class LifecycleRepo {
  private readonly db: Kysely<LifecycleTables>;

  constructor(
    db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {
    this.db = db as unknown as Kysely<LifecycleTables>;
  }

  /** Documents by id (in chunks the backend's bind limit allows); ids not found are absent. */
  async documentsByIds(ids: readonly number[]): Promise<Map<number, DocumentInput>> {
    const out = new Map<number, DocumentInput>();
    const chunk = Math.min(5000, this.dialect.capabilities.maxBindParameters - 1);
    for (let i = 0; i < ids.length; i += chunk) {
      const rows = await this.db
        .selectFrom('documents')
        .select(['id', 'content', 'content_hash'])
        .where('id', 'in', ids.slice(i, i + chunk))
        .execute();
      for (const r of rows) out.set(Number(r.id), { id: Number(r.id), content: r.content, contentHash: r.content_hash });
    }
    return out;
  }

  /** The task a document belongs to, or undefined for an unknown document. */
  async documentTask(id: number): Promise<string | undefined> {
    const r = await this.db.selectFrom('documents').select('task_id').where('id', '=', id).executeTakeFirst();
    return r?.task_id;
  }

  /** Per annotator, how many of the task's documents they labelled. */
  async labelCountsByUser(taskId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('annotations')
      .innerJoin('documents', 'documents.id', 'annotations.document_id')
      .select(['annotations.user_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('documents.task_id', '=', taskId)
      .groupBy('annotations.user_id')
      .execute();
    return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
  }

  /**
   * Logs predictions with multi-row INSERTs. Durability comes from the caller's transaction:
   * wrap a batch in `store.transaction` so it costs one commit.
   */
  async logPredictions(predictions: readonly NewReferencedPrediction[]): Promise<void> {
    const perStatement = Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(this.dialect.capabilities.maxBindParameters / PREDICTION_COLUMNS));
    for (let i = 0; i < predictions.length; i += perStatement) {
      const rows = predictions.slice(i, i + perStatement).map((p) => ({
        ref: p.ref,
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
        unique: 'a prediction reference was logged twice',
      });
    }
  }

  /** A logged prediction by the reference `predict` answered with. */
  async predictionByRef(ref: string): Promise<PredictionRef | undefined> {
    const r = await this.db
      .selectFrom('predictions')
      .select(['id', 'ref', 'task_id', 'model_id', 'output'])
      .where('ref', '=', ref)
      .executeTakeFirst();
    if (r === undefined) return undefined;
    return { id: Number(r.id), ref: r.ref ?? ref, taskId: r.task_id, modelId: r.model_id === null ? null : Number(r.model_id), output: r.output };
  }
}
