import { CompiledQuery, type Kysely } from 'kysely';
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

/** The prediction log's columns, in the order `predictionValues` lists a row's values. */
const PREDICTION_COLUMNS = ['ref', 'task_id', 'model_id', 'model_ids', 'user_id', 'input_ref', 'output', 'probabilities', 'latency_ms', 'created_at'] as const;
/** Rows per INSERT of the prediction log: long enough to amortize a statement, short enough to keep few distinct texts. */
const PREDICTION_ROWS_PER_STATEMENT = 64;

/** One row's values in PREDICTION_COLUMNS order. */
function predictionValues(p: NewReferencedPrediction): unknown[] {
  return [
    p.ref, p.taskId, p.modelId, JSON.stringify(p.modelIds), p.userId, p.inputRef, p.output,
    p.probabilities === null ? null : JSON.stringify(p.probabilities), p.latencyMs, toMs(p.createdAt),
  ];
}

/** An INSERT compiled once: its SQL, and for each bind parameter the (row, column) it takes. */
interface CompiledInsert {
  readonly sql: string;
  readonly slots: readonly (readonly [row: number, column: number])[];
}

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
   *
   * The INSERT for n rows is built by the query builder once and then only re-bound: building
   * and compiling a 64-row insert cost more than running it (~10 µs a row on the prediction
   * log's writer thread), and the same text lets SQLite reuse its prepared statement.
   */
  async logPredictions(predictions: readonly NewReferencedPrediction[]): Promise<void> {
    const perStatement = Math.min(PREDICTION_ROWS_PER_STATEMENT, Math.floor(this.dialect.capabilities.maxBindParameters / PREDICTION_COLUMNS.length));
    for (let i = 0; i < predictions.length; i += perStatement) {
      const rows = predictions.slice(i, i + perStatement).map(predictionValues);
      const insert = this.predictionInsert(rows.length);
      const parameters = insert.slots.map(([r, c]) => rows[r]![c]);
      await guarded(this.dialect, () => this.db.executeQuery(CompiledQuery.raw(insert.sql, parameters)), {
        foreign_key: 'a prediction references an unknown task or model',
        unique: 'a prediction reference was logged twice',
      });
    }
  }

  private readonly predictionInserts = new Map<number, CompiledInsert>();

  /**
   * The n-row prediction INSERT, compiled on first use. Each value is compiled as a distinct
   * marker, so where every parameter goes is read off the compiled query instead of assumed.
   */
  private predictionInsert(n: number): CompiledInsert {
    let insert = this.predictionInserts.get(n);
    if (insert !== undefined) return insert;
    const marker = (r: number, c: number): string => `\u0000${r}:${c}`;
    const rows = Array.from({ length: n }, (_, r) => Object.fromEntries(PREDICTION_COLUMNS.map((col, c) => [col, marker(r, c)])));
    const compiled = this.db.insertInto('predictions').values(rows as never).compile();
    const at = new Map<unknown, readonly [number, number]>();
    for (let r = 0; r < n; r++) for (let c = 0; c < PREDICTION_COLUMNS.length; c++) at.set(marker(r, c), [r, c]);
    const slots = compiled.parameters.map((p) => {
      const slot = at.get(p);
      if (slot === undefined) throw new Error(`prediction insert: unexpected parameter ${String(p)}`);
      return slot;
    });
    insert = { sql: compiled.sql, slots };
    this.predictionInserts.set(n, insert);
    return insert;
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
