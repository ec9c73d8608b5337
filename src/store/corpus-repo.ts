import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { toAnnotation, toApiToken, toDocument, toGroup, toMs, toTask, toUser } from './mappers.ts';
import type { Tables } from './schema.ts';
import type { Annotation, ApiToken, CorpusDocument, Group, Task, TaskAnnotation, User } from './types.ts';

/** A task before it is stored. */
export interface NewTask {
  readonly id: string;
  readonly labels: readonly string[];
  readonly description?: string;
  readonly inputKind?: Task['inputKind'];
  readonly config?: Readonly<Record<string, unknown>>;
  readonly createdAt?: Date;
}

/** A document before it is stored: text `content` or tabular `features`. */
export interface NewDocument {
  readonly content?: string;
  readonly features?: Readonly<Record<string, unknown>>;
  readonly externalId?: string;
  readonly authorId?: string;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly createdAt?: Date;
}

/** SHA-256 hex of a string (token hashes, document content hashes). */
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Tasks, people, groups, tokens, documents and annotations: the labelled corpus and who made it. */
export class CorpusRepo {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {}

  async createTask(t: NewTask): Promise<Task> {
    const row = {
      id: t.id,
      description: t.description ?? '',
      labels: JSON.stringify(t.labels),
      input_kind: t.inputKind ?? 'text',
      config: JSON.stringify(t.config ?? {}),
      created_at: toMs(t.createdAt ?? new Date()),
    };
    await guarded(this.dialect, () => this.db.insertInto('tasks').values(row).execute(), {
      unique: `task '${t.id}' already exists`,
      field: 'id',
    });
    return toTask(row);
  }

  async getTask(id: string): Promise<Task | undefined> {
    const r = await this.db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toTask(r);
  }

  /**
   * Inside a transaction: locks the task's row until commit where the backend has row locks
   * (SQLite serialises writers anyway). False when the task does not exist.
   */
  async lockTask(id: string): Promise<boolean> {
    let q = this.db.selectFrom('tasks').select('id').where('id', '=', id);
    if (this.dialect.capabilities.supportsRowLocks) q = q.forUpdate();
    return (await q.executeTakeFirst()) !== undefined;
  }

  async createUser(id: string, displayName = '', createdAt = new Date()): Promise<User> {
    const row = { id, display_name: displayName, created_at: toMs(createdAt) };
    await guarded(this.dialect, () => this.db.insertInto('users').values(row).execute(), { unique: `user '${id}' already exists`, field: 'id' });
    return toUser(row);
  }

  async getUser(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toUser(r);
  }

  async createGroup(id: string, options: { expert?: boolean; description?: string; createdAt?: Date } = {}): Promise<Group> {
    const row = { id, description: options.description ?? '', expert: options.expert ? 1 : 0, created_at: toMs(options.createdAt ?? new Date()) };
    await guarded(this.dialect, () => this.db.insertInto('groups').values(row).execute(), { unique: `group '${id}' already exists`, field: 'id' });
    return toGroup(row);
  }

  async getGroup(id: string): Promise<Group | undefined> {
    const r = await this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toGroup(r);
  }

  async addMember(userId: string, groupId: string, at = new Date()): Promise<void> {
    await guarded(
      this.dialect,
      () => this.db.insertInto('memberships').values({ user_id: userId, group_id: groupId, created_at: toMs(at) }).execute(),
      { unique: `user '${userId}' is already in group '${groupId}'`, foreign_key: `unknown user '${userId}' or group '${groupId}'` },
    );
  }

  /** The groups a user belongs to. */
  async groupsOf(userId: string): Promise<Group[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('groups', 'groups.id', 'memberships.group_id')
      .selectAll('groups')
      .where('memberships.user_id', '=', userId)
      .orderBy('groups.id')
      .execute();
    return rows.map(toGroup);
  }

  /** Members of a group. */
  async membersOf(groupId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('memberships').select('user_id').where('group_id', '=', groupId).orderBy('user_id').execute();
    return rows.map((r) => r.user_id);
  }

  /** Users in at least one expert group. */
  async expertUserIds(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('groups', 'groups.id', 'memberships.group_id')
      .select('memberships.user_id')
      .distinct()
      .where('groups.expert', '=', 1)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** Stores a token for a user; only its SHA-256 is kept, so a leaked database leaks no token. */
  async createToken(t: { userId: string; token: string; role: string; label?: string; expiresAt?: Date; createdAt?: Date }): Promise<ApiToken> {
    const row = {
      user_id: t.userId,
      token_hash: sha256Hex(t.token),
      role: t.role,
      label: t.label ?? '',
      created_at: toMs(t.createdAt ?? new Date()),
      expires_at: t.expiresAt === undefined ? null : toMs(t.expiresAt),
      revoked_at: null,
      last_used_at: null,
    };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'api_tokens', row), {
      unique: 'this token is already issued',
      foreign_key: `unknown user '${t.userId}'`,
      field: 'userId',
    });
    return toApiToken(r);
  }

  /** The token's record, if one with this value was issued (revoked and expired ones included: the caller decides). */
  async findToken(token: string): Promise<ApiToken | undefined> {
    const r = await this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    return r === undefined ? undefined : toApiToken(r);
  }

  async revokeToken(id: number, at = new Date()): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: toMs(at) }).where('id', '=', id).execute();
  }

  /** Adds documents in multi-row statements; returns them with their ids, in input order. */
  async addDocuments(taskId: string, docs: readonly NewDocument[]): Promise<CorpusDocument[]> {
    const now = toMs(new Date());
    const rows = docs.map((d) => {
      const input = d.content ?? JSON.stringify(d.features ?? null);
      return {
        task_id: taskId,
        external_id: d.externalId ?? null,
        content: d.content ?? null,
        features: d.features === undefined ? null : JSON.stringify(d.features),
        content_hash: sha256Hex(input),
        author_id: d.authorId ?? null,
        metadata: JSON.stringify(d.metadata ?? {}),
        created_at: d.createdAt === undefined ? now : toMs(d.createdAt),
      };
    });
    // One statement per row keeps ids in input order on every backend (the order RETURNING
    // gives for a multi-row insert is not promised); callers batch inside one transaction.
    const out: CorpusDocument[] = [];
    for (const row of rows) {
      const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'documents', row), {
        unique: `task '${taskId}' already has a document with external id ${JSON.stringify(row.external_id)}`,
        foreign_key: `unknown task '${taskId}' or author '${row.author_id}'`,
      });
      out.push(toDocument(r));
    }
    return out;
  }

  async getDocument(id: number): Promise<CorpusDocument | undefined> {
    const r = await this.db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
    return r === undefined ? undefined : toDocument(r);
  }

  /** Sets a user's label for a document (one per document and user: a second call replaces the label). */
  async annotate(a: { documentId: number; userId: string; label: string; at?: Date }): Promise<Annotation> {
    const at = toMs(a.at ?? new Date());
    await guarded(
      this.dialect,
      () =>
        this.db
          .insertInto('annotations')
          .values({ document_id: a.documentId, user_id: a.userId, label: a.label, created_at: at, updated_at: at })
          .onConflict((oc) => oc.columns(['document_id', 'user_id']).doUpdateSet({ label: a.label, updated_at: at }))
          .execute(),
      { foreign_key: `unknown document ${a.documentId} or user '${a.userId}'` },
    );
    const r = await this.db
      .selectFrom('annotations')
      .selectAll()
      .where('document_id', '=', a.documentId)
      .where('user_id', '=', a.userId)
      .executeTakeFirstOrThrow();
    return toAnnotation(r);
  }

  /** Every annotation of a task's documents (optionally only those made at or before `until`). */
  async taskAnnotations(taskId: string, until?: Date): Promise<TaskAnnotation[]> {
    let q = this.db
      .selectFrom('annotations')
      .innerJoin('documents', 'documents.id', 'annotations.document_id')
      .select(['annotations.document_id', 'documents.content_hash', 'annotations.user_id', 'annotations.label'])
      .where('documents.task_id', '=', taskId);
    if (until !== undefined) q = q.where('annotations.updated_at', '<=', toMs(until));
    const rows = await q.orderBy('annotations.document_id').orderBy('annotations.user_id').execute();
    return rows.map((r) => ({ documentId: Number(r.document_id), contentHash: r.content_hash, userId: r.user_id, label: r.label }));
  }
}
