import { CuratorError } from '../ml/errors.ts';
import { GLOBAL, type Scope, type Snapshot, type SnapshotItem, type Store } from '../store/index.ts';
import { resolveLabels, ruleName, type ResolutionRule } from './label-resolution.ts';
import { snapshotHash } from './snapshot-hash.ts';
import * as v from './validate.ts';

/** Options of `createSnapshot`. */
export interface SnapshotRequest {
  readonly taskId: string;
  /**
   * global: every annotator votes, experts win; group: the group's members vote (experts among
   * them win); user: that user's own labels. Global when omitted.
   */
  readonly scope?: Scope;
  /** Only annotations made at or before this time (all when omitted). */
  readonly until?: Date;
  readonly createdBy?: string | null;
  readonly createdAt?: Date;
}

/** A snapshot and whether this call made it (false: the same labelled data was already frozen). */
export interface SnapshotResult {
  readonly snapshot: Snapshot;
  readonly created: boolean;
}

/**
 * Freezes the labelled corpus of a task into immutable, content-hashed snapshots: what a model
 * was trained on. The same labelled data gives the same hash, so freezing it twice returns
 * the first snapshot.
 *
 * @example
 * const { snapshot } = await snapshots.create({ taskId: 'spam' });
 * const items = await snapshots.items(snapshot.id);
 */
export class SnapshotService {
  constructor(private readonly store: Store) {}

  async create(req: SnapshotRequest): Promise<SnapshotResult> {
    const fn = 'createSnapshot';
    const taskId = v.text(fn, 'taskId', req.taskId);
    const scope = req.scope === undefined ? GLOBAL : v.scope(fn, 'scope', req.scope);
    const until = req.until === undefined ? undefined : v.date(fn, 'until', req.until);
    const createdAt = req.createdAt === undefined ? new Date() : v.date(fn, 'createdAt', req.createdAt);
    const createdBy = v.optionalText(fn, 'createdBy', req.createdBy);
    return this.store.transaction(async (tx) => {
      if ((await tx.corpus.getTask(taskId)) === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no task '${taskId}'`, { field: 'taskId' });
      const rule = await this.ruleFor(tx, fn, scope);
      const resolved = resolveLabels(await tx.corpus.taskAnnotations(taskId, until), rule);
      if (resolved.length === 0) {
        throw new CuratorError('EMPTY_INPUT', `${fn}: task '${taskId}' has no document with a resolved label for ${v.scopeName(scope)}`, {
          field: 'taskId',
        });
      }
      const contentHash = snapshotHash(resolved);
      const existing = await tx.snapshots.findByHash(taskId, scope, contentHash);
      if (existing !== undefined) return { snapshot: existing, created: false };
      const labelCounts: Record<string, number> = {};
      for (const r of resolved) labelCounts[r.label] = (labelCounts[r.label] ?? 0) + 1;
      const snapshot = await tx.snapshots.insert(
        { taskId, scope, contentHash, size: resolved.length, labelCounts, rule: ruleName(rule), createdBy, createdAt },
        resolved.map((r) => ({ documentId: r.documentId, label: r.label })),
      );
      return { snapshot, created: true };
    });
  }

  private async ruleFor(tx: Store, fn: string, scope: Scope): Promise<ResolutionRule> {
    if (scope.kind === 'user') {
      if ((await tx.corpus.getUser(scope.userId)) === undefined) {
        throw new CuratorError('INVALID_REFERENCE', `${fn}: no user '${scope.userId}'`, { field: 'scope.userId' });
      }
      return { kind: 'own', userId: scope.userId };
    }
    const experts = new Set(await tx.corpus.expertUserIds());
    if (scope.kind === 'global') return { kind: 'majority', experts };
    if ((await tx.corpus.getGroup(scope.groupId)) === undefined) {
      throw new CuratorError('INVALID_REFERENCE', `${fn}: no group '${scope.groupId}'`, { field: 'scope.groupId' });
    }
    return { kind: 'majority', experts, voters: new Set(await tx.corpus.membersOf(scope.groupId)) };
  }

  async get(id: number): Promise<Snapshot> {
    const snapshotId = v.positiveInt('getSnapshot', 'id', id);
    const s = await this.store.snapshots.get(snapshotId);
    if (s === undefined) throw new CuratorError('NOT_FOUND', `getSnapshot: no snapshot ${snapshotId}`, { field: 'id' });
    return s;
  }

  /** The (document, label) pairs of a snapshot, by document id. */
  async items(id: number): Promise<SnapshotItem[]> {
    await this.get(id);
    return this.store.snapshots.items(id);
  }

  async list(taskId: string): Promise<Snapshot[]> {
    return this.store.snapshots.list(v.text('listSnapshots', 'taskId', taskId));
  }
}
