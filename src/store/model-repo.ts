import { sql, type CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { CuratorError } from '../ml/errors.ts';
import type { LargeBytesOptions, StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { scopeColumns, toBytes, toEvaluation, toModel, toMs } from './mappers.ts';
import type { ModelRow, Tables } from './schema.ts';
import type { Evaluation, Model, ModelStatus, Scope } from './types.ts';

/** Everything a model row holds, as the registry computed it. */
export interface NewModelRecord {
  readonly taskId: string;
  readonly scope: Scope;
  readonly estimator: string;
  readonly hyperparameters: Readonly<Record<string, unknown>>;
  readonly buildTimeMs: number;
  readonly score: number | null;
  readonly scoreMetric: string | null;
  readonly formatVersion: number;
  readonly blobSha256: string;
  readonly blobBlake3: string | null;
  readonly blobSize: number;
  readonly snapshotId: number | null;
  readonly jobId: number | null;
  readonly parentId: number | null;
  readonly status: ModelStatus;
  readonly createdBy: string | null;
  readonly createdAt: Date;
}

/** Which models to list; every field narrows, none given lists all. */
export interface ModelFilter {
  readonly taskId?: string;
  readonly scope?: Scope;
  readonly status?: ModelStatus | readonly ModelStatus[];
  readonly estimator?: string;
  /** Inclusive bounds on the primary score. */
  readonly minScore?: number;
  readonly maxScore?: number;
  /** Created at or after. */
  readonly createdFrom?: Date;
  /** Created strictly before. */
  readonly createdBefore?: Date;
}

/** One page of a keyset-paged listing. */
export interface PageRequest {
  /**
   * Sort key; ties break on id, so the order is total and stable. `score` lists only scored
   * models; `estimator` and `status` sort by the stored text (the database's collation).
   */
  readonly orderBy?: ModelOrder;
  readonly direction?: 'asc' | 'desc';
  /** 1…500, default 50. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | null;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

const MAX_LIMIT = 500;

/** The column behind each sort key of a model listing (each has a (key, id) index, with and without task_id). */
const ORDER_COLUMNS = {
  createdAt: 'created_at',
  score: 'score',
  buildTimeMs: 'build_time_ms',
  blobSize: 'blob_size',
  estimator: 'estimator',
  status: 'status',
} as const;

/** A sort key of {@link ModelRepo.list}. */
export type ModelOrder = keyof typeof ORDER_COLUMNS;

/** Every sort key, for validation and API schemas. */
export const MODEL_ORDERS = Object.keys(ORDER_COLUMNS) as readonly ModelOrder[];

const TEXT_ORDERS: ReadonlySet<ModelOrder> = new Set(['estimator', 'status']);

interface Cursor {
  readonly orderBy: ModelOrder;
  readonly direction: 'asc' | 'desc';
  readonly value: number | string;
  readonly id: number;
}

/** The sort value of a model under a key, as the cursor stores it. */
function sortValue(m: Model, orderBy: ModelOrder): number | string {
  switch (orderBy) {
    case 'createdAt': return toMs(m.createdAt);
    case 'score': return m.score!;
    case 'buildTimeMs': return m.buildTimeMs;
    case 'blobSize': return m.blobSize;
    case 'estimator': return m.estimator;
    case 'status': return m.status;
  }
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.orderBy, c.direction, c.value, c.id])).toString('base64url');
}

function decodeCursor(text: string, orderBy: Cursor['orderBy'], direction: Cursor['direction']): Cursor {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) || parts.length !== 4 || parts[0] !== orderBy || parts[1] !== direction ||
    typeof parts[2] !== (TEXT_ORDERS.has(orderBy) ? 'string' : 'number') || !Number.isInteger(parts[3])
  ) {
    throw new CuratorError('INVALID_ARGUMENT', `listModels: cursor is not a cursor of a ${orderBy} ${direction} listing`, { field: 'cursor' });
  }
  return { orderBy, direction, value: parts[2] as number | string, id: parts[3] as number };
}

/** Models, their blobs and their evaluations. */
export class ModelRepo {
  private blobSelect: CompiledQuery<{ data: Uint8Array }> | undefined;
  private rowSelect: CompiledQuery | undefined;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {}

  /** Inserts a model row; the (task, scope, blob hash) must be new. */
  async insert(m: NewModelRecord): Promise<Model> {
    const row = {
      task_id: m.taskId,
      ...scopeColumns(m.scope),
      estimator: m.estimator,
      hyperparameters: JSON.stringify(m.hyperparameters),
      build_time_ms: m.buildTimeMs,
      score: m.score,
      score_metric: m.scoreMetric,
      format_version: m.formatVersion,
      blob_sha256: m.blobSha256,
      blob_blake3: m.blobBlake3,
      blob_size: m.blobSize,
      snapshot_id: m.snapshotId,
      job_id: m.jobId,
      status: m.status,
      parent_id: m.parentId,
      created_by: m.createdBy,
      created_at: toMs(m.createdAt),
      status_changed_at: toMs(m.createdAt),
    };
    const inserted = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'models', row), {
      unique: `a model with SHA-256 ${m.blobSha256} is already registered for task '${m.taskId}' in this scope`,
      foreign_key: `model references an unknown task, snapshot, job or parent (task '${m.taskId}')`,
    });
    return toModel(inserted);
  }

  async putBlob(modelId: number, bytes: Uint8Array): Promise<void> {
    await guarded(this.dialect, () => this.db.insertInto('model_blobs').values({ model_id: modelId, data: bytes }).execute(), {
      unique: `model ${modelId} already has a blob`,
      foreign_key: `no model ${modelId} to attach a blob to`,
    });
  }

  /**
   * The stored bytes, or undefined when the model has none (never had, or retention deleted it).
   * `options.onBytes` sees every byte once, in order: as they arrive where the backend streams
   * (`capabilities.streamsBytes`), else all at once after the read.
   */
  async getBlob(modelId: number, options: LargeBytesOptions = {}): Promise<Uint8Array | undefined> {
    const query = this.blobQuery(modelId);
    // Outside a transaction the backend may have a faster path for big values (PostgreSQL: binary COPY).
    if (!this.db.isTransaction && this.dialect.readLargeBytes !== undefined) {
      const value = await this.dialect.readLargeBytes(query, options);
      if (value !== undefined) return value ?? undefined;
    }
    const r = (await this.db.executeQuery(query)).rows[0];
    const bytes = r === undefined ? undefined : toBytes(r.data);
    if (bytes !== undefined) options.onBytes?.(bytes, bytes);
    return bytes;
  }

  /**
   * The model row and its stored bytes (undefined when it has none), or undefined when there is
   * no such model. Where the backend can, in one round trip (the row first, then the bytes
   * streamed to `options.onBytes`); else the row, then `getBlob`. The bytes are read whatever
   * the row says (a quarantined model's too): the caller decides what to do with them.
   */
  async getWithBlob(modelId: number, options: LargeBytesOptions = {}): Promise<{ model: Model; blob: Uint8Array | undefined } | undefined> {
    if (!this.db.isTransaction && this.dialect.readRowAndLargeBytes !== undefined) {
      this.rowSelect ??= this.db.selectFrom('models').selectAll().where('id', '=', 0).compile();
      const got = await this.dialect.readRowAndLargeBytes({ ...this.rowSelect, parameters: [modelId] }, this.blobQuery(modelId), options);
      if (got !== undefined) return got.row === undefined ? undefined : { model: toModel(got.row as Selectable<ModelRow>), blob: got.value ?? undefined };
    }
    const model = await this.get(modelId);
    if (model === undefined) return undefined;
    return { model, blob: await this.getBlob(modelId, { sizeHint: model.blobSize, ...options }) };
  }

  /**
   * The blob select, built once per repository and re-bound to `modelId`: on a model load that
   * has just woken up (cold caches), building and compiling it took ~0.2 ms before the read began.
   */
  private blobQuery(modelId: number): CompiledQuery<{ data: Uint8Array }> {
    this.blobSelect ??= this.db.selectFrom('model_blobs').select('data').where('model_id', '=', 0).compile();
    return { ...this.blobSelect, parameters: [modelId] };
  }

  /** Deletes the blobs of these models; returns how many existed. */
  async deleteBlobs(modelIds: readonly number[]): Promise<number> {
    if (modelIds.length === 0) return 0;
    const r = await this.db.deleteFrom('model_blobs').where('model_id', 'in', modelIds).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Bytes of blob data actually stored, counted by the database. */
  async storedBlobBytes(): Promise<number> {
    const r = await this.db
      .selectFrom('model_blobs')
      .select(sql<number | null>`sum(length(data))`.as('bytes'))
      .executeTakeFirstOrThrow();
    return Number(r.bytes ?? 0);
  }

  async insertEvaluations(modelId: number, evaluations: readonly Evaluation[]): Promise<void> {
    if (evaluations.length === 0) return;
    const rows = evaluations.map((e) => ({
      model_id: modelId,
      metric: e.metric,
      label: e.label ?? '',
      mean: e.mean,
      std: e.std,
      fold_values: JSON.stringify(e.foldValues),
    }));
    const perStatement = Math.floor(this.dialect.capabilities.maxBindParameters / 6);
    for (let i = 0; i < rows.length; i += perStatement) {
      await guarded(this.dialect, () => this.db.insertInto('evaluations').values(rows.slice(i, i + perStatement)).execute(), {
        unique: `model ${modelId} has two evaluations for the same metric and label`,
        foreign_key: `no model ${modelId} to attach evaluations to`,
        field: 'evaluations',
      });
    }
  }

  /** Evaluations of a model, by metric then label (averages first). */
  async evaluations(modelId: number): Promise<Evaluation[]> {
    const rows = await this.db
      .selectFrom('evaluations')
      .selectAll()
      .where('model_id', '=', modelId)
      .orderBy('metric')
      .orderBy('label')
      .execute();
    return rows.map(toEvaluation);
  }

  async get(id: number): Promise<Model | undefined> {
    const r = await this.db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toModel(r);
  }

  /** Same as `get`, but locks the row for the rest of the transaction where the backend can. */
  async getForUpdate(id: number): Promise<Model | undefined> {
    let q = this.db.selectFrom('models').selectAll().where('id', '=', id);
    if (this.dialect.capabilities.supportsRowLocks) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r === undefined ? undefined : toModel(r);
  }

  async findByBlob(taskId: string, scope: Scope, sha256: string): Promise<Model | undefined> {
    const s = scopeColumns(scope);
    const r = await this.db
      .selectFrom('models')
      .selectAll()
      .where('task_id', '=', taskId)
      .where('scope_kind', '=', s.scope_kind)
      .where('scope_owner', '=', s.scope_owner)
      .where('blob_sha256', '=', sha256)
      .executeTakeFirst();
    return r === undefined ? undefined : toModel(r);
  }

  async setStatus(ids: readonly number[], status: ModelStatus, at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('models')
      .set({ status, status_changed_at: toMs(at) })
      .where('id', 'in', ids)
      .execute();
  }

  /** Models matching a filter, one keyset page at a time: cost does not grow with the page number. */
  async list(filter: ModelFilter = {}, page: PageRequest = {}): Promise<Page<Model>> {
    const orderBy = page.orderBy ?? 'createdAt';
    const direction = page.direction ?? 'desc';
    const limit = page.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new CuratorError('INVALID_ARGUMENT', `listModels: limit must be an integer in 1…${MAX_LIMIT}; got ${limit}`, { field: 'limit' });
    }
    const column = ORDER_COLUMNS[orderBy];
    if (column === undefined) {
      throw new CuratorError('INVALID_ARGUMENT', `listModels: orderBy must be one of ${MODEL_ORDERS.join(', ')}; got ${JSON.stringify(orderBy)}`, { field: 'orderBy' });
    }
    let q = this.filtered(filter).selectAll();
    if (orderBy === 'score') q = q.where('score', 'is not', null);
    if (page.cursor != null) {
      const c = decodeCursor(page.cursor, orderBy, direction);
      q = q.where((eb) => eb(eb.refTuple(column, 'id'), direction === 'desc' ? '<' : '>', eb.tuple(c.value, c.id)));
    }
    const rows = await q.orderBy(column, direction).orderBy('id', direction).limit(limit + 1).execute();
    const items = rows.slice(0, limit).map(toModel);
    const last = items[items.length - 1];
    const nextCursor =
      rows.length > limit && last !== undefined
        ? encodeCursor({ orderBy, direction, value: sortValue(last, orderBy), id: last.id })
        : null;
    return { items, nextCursor };
  }

  /** Every model matching a filter, newest first (for whole-scope work such as retention). */
  async listAll(filter: ModelFilter = {}): Promise<Model[]> {
    const rows = await this.filtered(filter).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map(toModel);
  }

  /** Which of these models still have a blob. */
  async withBlob(modelIds: readonly number[]): Promise<number[]> {
    if (modelIds.length === 0) return [];
    const rows = await this.db.selectFrom('model_blobs').select('model_id').where('model_id', 'in', modelIds).orderBy('model_id').execute();
    return rows.map((r) => Number(r.model_id));
  }

  /** Bytes stored in the blobs of these models. */
  async blobBytesOf(modelIds: readonly number[]): Promise<number> {
    if (modelIds.length === 0) return 0;
    const r = await this.db
      .selectFrom('model_blobs')
      .select(sql<number | null>`sum(length(data))`.as('bytes'))
      .where('model_id', 'in', modelIds)
      .executeTakeFirstOrThrow();
    return Number(r.bytes ?? 0);
  }

  /** How many models match a filter. */
  async count(filter: ModelFilter = {}): Promise<number> {
    const r = await this.filtered(filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  private filtered(f: ModelFilter) {
    let q = this.db.selectFrom('models');
    if (f.taskId !== undefined) q = q.where('task_id', '=', f.taskId);
    if (f.scope !== undefined) {
      const s = scopeColumns(f.scope);
      q = q.where('scope_kind', '=', s.scope_kind).where('scope_owner', '=', s.scope_owner);
    }
    if (f.status !== undefined) {
      const statuses: readonly ModelStatus[] = typeof f.status === 'string' ? [f.status] : f.status;
      q = q.where('status', 'in', statuses.length > 0 ? [...statuses] : ['']);
    }
    if (f.estimator !== undefined) q = q.where('estimator', '=', f.estimator);
    if (f.minScore !== undefined) q = q.where('score', '>=', f.minScore);
    if (f.maxScore !== undefined) q = q.where('score', '<=', f.maxScore);
    if (f.createdFrom !== undefined) q = q.where('created_at', '>=', toMs(f.createdFrom));
    if (f.createdBefore !== undefined) q = q.where('created_at', '<', toMs(f.createdBefore));
    return q;
  }
}
