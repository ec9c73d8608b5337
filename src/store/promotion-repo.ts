import type { Kysely } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import { guarded } from './db-errors.ts';
import { insertRow } from './insert-row.ts';
import { scopeColumns, toMs, toPromotion } from './mappers.ts';
import type { Tables } from './schema.ts';
import type { PromotionEvent, Scope } from './types.ts';

/** A history entry before it is stored. */
export type NewPromotionEvent = Omit<PromotionEvent, 'id'>;

/**
 * The promotion history: append-only (no update or delete exists). Entries order by
 * (created_at, id), so two changes in the same millisecond still have an order.
 */
export class PromotionRepo {
  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {}

  async append(e: NewPromotionEvent): Promise<PromotionEvent> {
    const row = {
      task_id: e.taskId,
      ...scopeColumns(e.scope),
      action: e.action,
      model_id: e.modelId,
      previous_model_id: e.previousModelId,
      actor: e.actor,
      reason: e.reason,
      created_at: toMs(e.createdAt),
    };
    const r = await guarded(this.dialect, () => insertRow(this.db, this.dialect, 'promotions', row), {
      foreign_key: `promotion references an unknown task '${e.taskId}' or model ${e.modelId}`,
    });
    return toPromotion(r);
  }

  /** The latest entry for a task and scope at or before `at` (now when omitted). */
  async latest(taskId: string, scope: Scope, at?: Date): Promise<PromotionEvent | undefined> {
    const s = scopeColumns(scope);
    let q = this.db
      .selectFrom('promotions')
      .selectAll()
      .where('task_id', '=', taskId)
      .where('scope_kind', '=', s.scope_kind)
      .where('scope_owner', '=', s.scope_owner);
    if (at !== undefined) q = q.where('created_at', '<=', toMs(at));
    const r = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return r === undefined ? undefined : toPromotion(r);
  }

  /** The whole history of a task and scope, oldest first. */
  async history(taskId: string, scope: Scope): Promise<PromotionEvent[]> {
    const s = scopeColumns(scope);
    const rows = await this.db
      .selectFrom('promotions')
      .selectAll()
      .where('task_id', '=', taskId)
      .where('scope_kind', '=', s.scope_kind)
      .where('scope_owner', '=', s.scope_owner)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toPromotion);
  }
}
