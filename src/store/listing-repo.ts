import { sql, type Kysely, type Selectable } from 'kysely';
import { CuratorError } from '../ml/errors.ts';
import { toAnnotation, toApiToken, toDocument, toGroup, toJob, toPrediction, toTask, toTriggerEvent, toUser } from './mappers.ts';
import type { JobRow, PredictionRow, Tables } from './schema.ts';
import type { Annotation, ApiToken, CorpusDocument, Group, Job, JobStatus, Prediction, Task, TriggerEvent, User } from './types.ts';

/** The columns later migrations added to predictions (0003) and jobs (0004). */
interface ListingTables extends Omit<Tables, 'predictions' | 'jobs'> {
  predictions: PredictionRow & { ref: string | null };
  jobs: JobRow & { owner: string | null; max_attempts: number; detail: string | null };
}

/** One page of an id-ordered listing (newest first); pass `nextCursor` back for the next. */
export interface IdPage<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Limit and cursor of an id-ordered listing. */
export interface IdPageRequest {
  /** 1…500, default 50. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** A logged prediction with the reference `predict` answered with (what feedback names). */
export interface ListedPrediction extends Prediction {
  readonly predictionId: string | null;
}

/** A job with the latest progress detail a worker wrote. */
export interface ListedJob extends Job {
  readonly detail: Readonly<Record<string, unknown>> | null;
}

/** One bucket of a task's corpus growth: totals at the end of the bucket. */
export interface GrowthPoint {
  /** Start of the bucket (UTC, a multiple of the bucket length since the epoch). */
  readonly start: Date;
  /** Documents created up to the end of this bucket. */
  readonly documents: number;
  /** Of those, documents whose first annotation came up to the end of this bucket. */
  readonly labelled: number;
}

/** A task's corpus growth and the trigger firings over the same time. */
export interface Growth {
  /** Only buckets in which something was added, oldest first; totals are cumulative. */
  readonly points: readonly GrowthPoint[];
  /** Trigger firings, oldest first (the newest `firingsLimit` of them). */
  readonly firings: readonly TriggerEvent[];
  /** True when older firings were left out. */
  readonly firingsTruncated: boolean;
}

const MAX_LIMIT = 500;

function pageArgs(fn: string, page: IdPageRequest): { limit: number; before: number | null } {
  const limit = page.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new CuratorError('INVALID_ARGUMENT', `${fn}: limit must be an integer in 1…${MAX_LIMIT}; got ${limit}`, { field: 'limit' });
  }
  if (page.cursor == null) return { limit, before: null };
  const id = Number(Buffer.from(page.cursor, 'base64url').toString('utf8').replace(/^id:/, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(page.cursor) || !Number.isSafeInteger(id) || id < 1) {
    throw new CuratorError('INVALID_ARGUMENT', `${fn}: cursor ${JSON.stringify(page.cursor)} is not a cursor this listing gave out`, { field: 'cursor' });
  }
  return { limit, before: id };
}

function toPage<R extends { id: unknown }, T>(rows: readonly R[], limit: number, map: (r: R) => T): IdPage<T> {
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return {
    items: rows.slice(0, limit).map(map),
    nextCursor: last === undefined ? null : Buffer.from(`id:${Number(last.id)}`).toString('base64url'),
  };
}

/**
 * The listings an HTTP API and a dashboard page through: tasks, people, documents with one
 * annotator's labels, the prediction log, jobs; plus the few writes they need (task settings,
 * token look-up by id). Keyset-paged on id, newest first, so a page costs the same at any depth.
 */
export class ListingRepo {
  private readonly db: Kysely<ListingTables>;

  constructor(db: Kysely<Tables>) {
    this.db = db as unknown as Kysely<ListingTables>;
  }

  async tasks(): Promise<Task[]> {
    return (await this.db.selectFrom('tasks').selectAll().orderBy('id').execute()).map(toTask);
  }

  /** Replaces a task's stored settings (the caller validated them). False for an unknown task. */
  async setTaskConfig(taskId: string, config: Readonly<Record<string, unknown>>): Promise<boolean> {
    const r = await this.db.updateTable('tasks').set({ config: JSON.stringify(config) }).where('id', '=', taskId).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async users(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('id').execute()).map(toUser);
  }

  async groups(): Promise<Group[]> {
    return (await this.db.selectFrom('groups').selectAll().orderBy('id').execute()).map(toGroup);
  }

  /** API tokens (never their values: only hashes are stored), oldest first; only `userId`'s when given. */
  async tokens(userId?: string): Promise<ApiToken[]> {
    let q = this.db.selectFrom('api_tokens').selectAll();
    if (userId !== undefined) q = q.where('user_id', '=', userId);
    return (await q.orderBy('id').execute()).map(toApiToken);
  }

  async getToken(id: number): Promise<ApiToken | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toApiToken(r);
  }

  /** How many documents a task has. */
  async countDocuments(taskId: string): Promise<number> {
    const r = await this.db.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n')).where('task_id', '=', taskId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * A task's corpus over time: documents and labelled documents per time bucket, cumulative,
   * with the trigger firings. The bucket is computed in SQL by integer division of the epoch-ms
   * times (portable to SQLite and PostgreSQL), so only one row per busy bucket leaves the
   * database. A document counts as labelled from its first annotation (annotations deleted
   * since are not seen: the totals are those of the corpus as it is now).
   */
  async growth(taskId: string, options: { bucketMs: number; firingsLimit?: number }): Promise<Growth> {
    const { bucketMs } = options;
    if (!Number.isSafeInteger(bucketMs) || bucketMs < 1) {
      throw new CuratorError('INVALID_ARGUMENT', `growth: bucketMs must be a positive integer; got ${bucketMs}`, { field: 'bucket' });
    }
    const firingsLimit = options.firingsLimit ?? 1000;
    if (!Number.isInteger(firingsLimit) || firingsLimit < 0 || firingsLimit > 10_000) {
      throw new CuratorError('INVALID_ARGUMENT', `growth: firingsLimit must be an integer in 0…10000; got ${firingsLimit}`, { field: 'firingsLimit' });
    }
    // A literal (checked integer above): PostgreSQL then divides bigint by integer, SQLite integer by integer.
    const b = sql.lit(bucketMs);
    const docs = await sql<{ bucket: number | string; n: number | string }>`
      select (created_at / ${b}) * ${b} as bucket, count(*) as n
      from documents where task_id = ${taskId}
      group by 1 order by 1`.execute(this.db);
    const labelled = await sql<{ bucket: number | string; n: number | string }>`
      select (f.first_at / ${b}) * ${b} as bucket, count(*) as n
      from (
        select a.document_id, min(a.created_at) as first_at
        from annotations a join documents d on d.id = a.document_id
        where d.task_id = ${taskId}
        group by a.document_id
      ) f
      group by 1 order by 1`.execute(this.db);
    const perBucket = new Map<number, { documents: number; labelled: number }>();
    const at = (bucket: number | string) => {
      const key = Number(bucket);
      let v = perBucket.get(key);
      if (v === undefined) perBucket.set(key, (v = { documents: 0, labelled: 0 }));
      return v;
    };
    for (const r of docs.rows) at(r.bucket).documents += Number(r.n);
    for (const r of labelled.rows) at(r.bucket).labelled += Number(r.n);
    let documents = 0;
    let labelledTotal = 0;
    const points = [...perBucket.entries()].sort((x, y) => x[0] - y[0]).map(([start, v]) => {
      documents += v.documents;
      labelledTotal += v.labelled;
      return { start: new Date(start), documents, labelled: labelledTotal };
    });
    const rows = await this.db
      .selectFrom('trigger_events')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(firingsLimit + 1)
      .execute();
    const firings = rows.slice(0, firingsLimit).reverse().map(toTriggerEvent);
    return { points, firings, firingsTruncated: rows.length > firingsLimit };
  }

  /** A task's documents, newest first (only `authorId`'s when given), each with `annotatorId`'s annotation. */
  async documents(
    taskId: string,
    options: IdPageRequest & { authorId?: string; annotatorId?: string } = {},
  ): Promise<IdPage<{ document: CorpusDocument; annotation: Annotation | null }>> {
    const { limit, before } = pageArgs('documents', options);
    let q = this.db.selectFrom('documents').selectAll().where('task_id', '=', taskId);
    if (options.authorId !== undefined) q = q.where('author_id', '=', options.authorId);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    const page = toPage(rows, limit, toDocument);
    const byDoc = new Map<number, Annotation>();
    if (options.annotatorId !== undefined && page.items.length > 0) {
      const anns = await this.db
        .selectFrom('annotations')
        .selectAll()
        .where('user_id', '=', options.annotatorId)
        .where('document_id', 'in', page.items.map((d) => d.id))
        .execute();
      for (const a of anns) byDoc.set(Number(a.document_id), toAnnotation(a));
    }
    return { items: page.items.map((document) => ({ document, annotation: byDoc.get(document.id) ?? null })), nextCursor: page.nextCursor };
  }

  /** A task's prediction log, newest first (only `userId`'s when given). */
  async predictions(taskId: string, options: IdPageRequest & { userId?: string } = {}): Promise<IdPage<ListedPrediction>> {
    const { limit, before } = pageArgs('predictions', options);
    let q = this.db.selectFrom('predictions').selectAll().where('task_id', '=', taskId);
    if (options.userId !== undefined) q = q.where('user_id', '=', options.userId);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, (r) => ({ ...toPrediction(r as Selectable<PredictionRow>), predictionId: r.ref }));
  }

  /** The user a logged prediction was made for, by its reference; undefined for an unknown reference. */
  async predictionOwner(ref: string): Promise<{ userId: string | null; taskId: string } | undefined> {
    const r = await this.db.selectFrom('predictions').select(['user_id', 'task_id']).where('ref', '=', ref).executeTakeFirst();
    return r === undefined ? undefined : { userId: r.user_id, taskId: r.task_id };
  }

  /** Jobs, newest first, optionally of one task and status. */
  async jobs(options: IdPageRequest & { taskId?: string; status?: JobStatus } = {}): Promise<IdPage<ListedJob>> {
    const { limit, before } = pageArgs('jobs', options);
    let q = this.db.selectFrom('jobs').selectAll();
    if (options.taskId !== undefined) q = q.where('task_id', '=', options.taskId);
    if (options.status !== undefined) q = q.where('status', '=', options.status);
    if (before !== null) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
    return toPage(rows, limit, toListedJob);
  }

  async getJob(id: number): Promise<ListedJob | undefined> {
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toListedJob(r);
  }

  /** Jobs per status (for a queue-depth gauge). */
  async jobCounts(): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return new Map(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Trigger firings of one rule per task (decay alarms for a gauge). */
  async triggerCounts(rule: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('trigger_events')
      .select(['task_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('rule', '=', rule)
      .groupBy('task_id')
      .execute();
    return new Map(rows.map((r) => [r.task_id, Number(r.n)]));
  }

  /** Rows per table, for checks that a failed request changed nothing. */
  async tableCounts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    const tables = ['tasks', 'users', 'groups', 'memberships', 'api_tokens', 'documents', 'annotations', 'snapshots', 'models', 'promotions', 'predictions', 'feedback', 'jobs', 'trigger_events'] as const;
    for (const t of tables) {
      const r = await this.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }
}

function toListedJob(r: Selectable<ListingTables['jobs']>): ListedJob {
  let detail: Record<string, unknown> | null = null;
  if (r.detail !== null) {
    try {
      detail = JSON.parse(r.detail) as Record<string, unknown>;
    } catch {
      detail = null;
    }
  }
  return { ...toJob(r as Selectable<JobRow>), detail };
}
