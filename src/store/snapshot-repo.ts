import type { Kysely } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { scopeColumns, toMs, toSnapshot } from './mappers.ts';
import type { Tables } from './schema.ts';
import type { Scope, Snapshot, SnapshotItem } from './types.ts';

/** A snapshot before it is stored. */
export type NewSnapshot = Omit<Snapshot, 'id'>;

/** Snapshots and their items. Immutable once written: nothing here updates or deletes. */
export class SnapshotRepo {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {}

  /** Writes a snapshot and all its items (call inside a transaction). */
  async insert(s: NewSnapshot, items: readonly SnapshotItem[]): Promise<Snapshot> {
    const row = {
      task_id: s.taskId,
      ...scopeColumns(s.scope),
      content_hash: s.contentHash,
      size: s.size,
      label_counts: JSON.stringify(s.labelCounts),
      rule: s.rule,
      created_by: s.createdBy,
      created_at: toMs(s.createdAt),
    };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'snapshots', row), {
      unique: `a snapshot with hash ${s.contentHash} already exists for task '${s.taskId}' in this scope`,
      foreign_key: `unknown task '${s.taskId}'`,
    });
    const snapshot = toSnapshot(r);
    const perStatement = Math.floor(this.dialect.capabilities.maxBindParameters / 3);
    for (let i = 0; i < items.length; i += perStatement) {
      const chunk = items.slice(i, i + perStatement).map((it) => ({ snapshot_id: snapshot.id, document_id: it.documentId, label: it.label }));
      await guarded(this.dialect, () => this.db.insertInto('snapshot_items').values(chunk).execute(), {
        foreign_key: 'a snapshot item references an unknown document',
        unique: 'a document appears twice in one snapshot',
      });
    }
    return snapshot;
  }

  async get(id: number): Promise<Snapshot | undefined> {
    const r = await this.db.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toSnapshot(r);
  }

  async findByHash(taskId: string, scope: Scope, contentHash: string): Promise<Snapshot | undefined> {
    const s = scopeColumns(scope);
    const r = await this.db
      .selectFrom('snapshots')
      .selectAll()
      .where('task_id', '=', taskId)
      .where('scope_kind', '=', s.scope_kind)
      .where('scope_owner', '=', s.scope_owner)
      .where('content_hash', '=', contentHash)
      .executeTakeFirst();
    return r === undefined ? undefined : toSnapshot(r);
  }

  /** The items, by document id. */
  async items(snapshotId: number): Promise<SnapshotItem[]> {
    const rows = await this.db
      .selectFrom('snapshot_items')
      .select(['document_id', 'label'])
      .where('snapshot_id', '=', snapshotId)
      .orderBy('document_id')
      .execute();
    return rows.map((r) => ({ documentId: Number(r.document_id), label: r.label }));
  }

  async list(taskId: string): Promise<Snapshot[]> {
    const rows = await this.db.selectFrom('snapshots').selectAll().where('task_id', '=', taskId).orderBy('id', 'desc').execute();
    return rows.map(toSnapshot);
  }
}
