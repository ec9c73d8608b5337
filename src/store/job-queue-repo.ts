import type { Kysely, Selectable } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { parseJson, scopeColumns, toJob, toMs } from './mappers.ts';
import type { JobRow, Tables } from './schema.ts';
import type { Job, Scope } from './types.ts';

/** The jobs table with the columns of migration 0004. */
interface LeaseColumns {
  owner: string | null;
  max_attempts: number;
  detail: string | null;
}
interface QueueTables extends Omit<Tables, 'jobs'> {
  jobs: JobRow & LeaseColumns;
}

/** A job with what the queue knows about it: who holds it, its attempt budget and latest progress. */
export interface QueuedJob extends Job {
  /** `host:pid:engine` of the engine that holds it; null once finished or never claimed. */
  readonly owner: string | null;
  readonly maxAttempts: number;
  /** The latest progress (stage, fold i of n, candidate j of m), as the worker last wrote it. */
  readonly detail: Readonly<Record<string, unknown>> | null;
}

/** A job to put in the queue. */
export interface NewQueuedJob {
  readonly taskId: string;
  readonly scope: Scope;
  readonly kind?: string;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly owner: string;
  readonly maxAttempts: number;
}

const UNFINISHED = ['queued', 'running'] as const;

/**
 * The jobs table as a durable queue (migration 0004): enqueue, claim (compare-and-set, so two
 * engines never run one job), progress detail, and the unfinished jobs a restarted process
 * must recover. Finishing a job stays with `ActivityRepo.updateJob`, which the build uses.
 */
export class JobQueueRepo {
  private readonly db: Kysely<QueueTables>;

  constructor(
    db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {
    this.db = db as unknown as Kysely<QueueTables>;
  }

  async enqueue(j: NewQueuedJob, at = new Date()): Promise<QueuedJob> {
    const row = {
      task_id: j.taskId,
      ...scopeColumns(j.scope),
      kind: j.kind ?? 'build',
      status: 'queued',
      progress: 0,
      snapshot_id: null,
      params: JSON.stringify(j.params ?? {}),
      result: null,
      error: null,
      attempts: 0,
      created_at: toMs(at),
      started_at: null,
      finished_at: null,
      updated_at: toMs(at),
      owner: j.owner,
      max_attempts: j.maxAttempts,
      detail: null,
    };
    const r = await guarded(
      this.dialect,
      () => insertRow(this.db as unknown as Kysely<Tables>, this.dialect, 'jobs', row as unknown as Parameters<typeof insertRow<'jobs'>>[3]),
      { foreign_key: `unknown task '${j.taskId}'`, field: 'taskId' },
    );
    return toQueuedJob(r as Selectable<JobRow & LeaseColumns>);
  }

  /**
   * Takes a queued job for `owner` and starts its next attempt; resolves to that attempt's
   * number (1-based), or undefined when the job is not queued any more (another engine took it,
   * or it finished). A job queued without owner (`ActivityRepo.createJob`) or held by `owner` can be claimed.
   */
  async claim(id: number, owner: string, at = new Date()): Promise<number | undefined> {
    const r = await this.db
      .updateTable('jobs')
      .set((eb) => ({ status: 'running', owner, attempts: eb('attempts', '+', 1), started_at: toMs(at), updated_at: toMs(at), error: null }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .where((eb) => eb.or([eb('owner', 'is', null), eb('owner', '=', owner)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    const job = await this.db.selectFrom('jobs').select('attempts').where('id', '=', id).executeTakeFirstOrThrow();
    return Number(job.attempts);
  }

  /**
   * Moves an unfinished job from a holder that is gone to `owner`, back to 'queued' (its
   * attempts count kept). False when someone else changed it first.
   */
  async takeOver(id: number, from: string | null, owner: string, at = new Date()): Promise<boolean> {
    let q = this.db
      .updateTable('jobs')
      .set({ status: 'queued', owner, updated_at: toMs(at) })
      .where('id', '=', id)
      .where('status', 'in', UNFINISHED);
    q = from === null ? q.where('owner', 'is', null) : q.where('owner', '=', from);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Marks an unfinished job failed with its error (compare-and-set on the holder, like takeOver). */
  async fail(id: number, from: string | null, error: string, at = new Date()): Promise<boolean> {
    let q = this.db
      .updateTable('jobs')
      .set({ status: 'failed', error, owner: null, finished_at: toMs(at), updated_at: toMs(at) })
      .where('id', '=', id)
      .where('status', 'in', UNFINISHED);
    q = from === null ? q.where('owner', 'is', null) : q.where('owner', '=', from);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Records where a running job is; also its holder's heartbeat (`updated_at`). */
  async progress(id: number, detail: Readonly<Record<string, unknown>>, progress?: number, at = new Date()): Promise<void> {
    const set = { detail: JSON.stringify(detail), updated_at: toMs(at), ...(progress === undefined ? {} : { progress }) };
    await this.db.updateTable('jobs').set(set).where('id', '=', id).where('status', '=', 'running').execute();
  }

  /** Releases a finished job's holder, so no later recovery looks at it. */
  async release(id: number): Promise<void> {
    await this.db.updateTable('jobs').set({ owner: null }).where('id', '=', id).where('status', 'not in', UNFINISHED).execute();
  }

  /** Every queued or running job, oldest first. */
  async unfinished(): Promise<QueuedJob[]> {
    const rows = await this.db.selectFrom('jobs').selectAll().where('status', 'in', UNFINISHED).orderBy('id').execute();
    return rows.map(toQueuedJob);
  }

  async get(id: number): Promise<QueuedJob | undefined> {
    const r = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toQueuedJob(r);
  }
}

function toQueuedJob(r: Selectable<JobRow & LeaseColumns>): QueuedJob {
  const detail = r.detail === null ? null : parseJson<Record<string, unknown>>(r.detail, 'jobs.detail');
  return { ...toJob(r), owner: r.owner, maxAttempts: Number(r.max_attempts), detail };
}
