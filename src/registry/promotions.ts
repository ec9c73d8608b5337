import { CuratorError } from '../ml/errors.ts';
import { GLOBAL, type Model, type PromotionEvent, type Scope, type Store } from '../store/index.ts';
import * as v from './validate.ts';

/** Who changes the champion, and why: both required, both recorded forever. */
export interface ChangeRequest {
  readonly actor: string;
  readonly reason: string;
  /** When it happened; now by default (tests and imports pass explicit times). */
  readonly at?: Date;
}

/** A promotion: make `modelId` the active model of its task and scope. */
export interface PromoteRequest extends ChangeRequest {
  readonly taskId: string;
  readonly modelId: number;
  /** Must equal the model's scope; the model's scope when omitted. */
  readonly scope?: Scope;
}

/** A rollback: make the previously active model of a task and scope active again. */
export interface RollbackRequest extends ChangeRequest {
  readonly taskId: string;
  readonly scope?: Scope;
}

/**
 * Which model is active for each task and scope, as an append-only history of promotions and
 * rollbacks. Rollback is a stack: each rollback returns to the model active before the current
 * one, skipping models that have since been retired or quarantined.
 *
 * @example
 * await promotions.promote({ taskId: 'spam', modelId: 7, actor: 'ana', reason: 'beats #5 on paired folds' });
 * const then = await promotions.activeAt('spam', GLOBAL, new Date('2024-05-01'));
 */
export class PromotionService {
  constructor(private readonly store: Store) {}

  async promote(req: PromoteRequest): Promise<PromotionEvent> {
    const fn = 'promote';
    const taskId = v.text(fn, 'taskId', req.taskId);
    const modelId = v.positiveInt(fn, 'modelId', req.modelId);
    const change = checkChange(fn, req);
    const wanted = req.scope === undefined ? undefined : v.scope(fn, 'scope', req.scope);
    return this.store.transaction(async (tx) => {
      await lockTask(tx, fn, taskId);
      const model = await tx.models.getForUpdate(modelId);
      if (model === undefined) throw new CuratorError('NOT_FOUND', `${fn}: no model ${modelId}`, { field: 'modelId' });
      if (model.taskId !== taskId) {
        throw new CuratorError('INVALID_REFERENCE', `${fn}: model ${modelId} belongs to task '${model.taskId}', not '${taskId}'`, { field: 'modelId' });
      }
      const scope = wanted ?? model.scope;
      if (!v.sameScope(scope, model.scope)) {
        throw new CuratorError('INVALID_REFERENCE', `${fn}: model ${modelId} is a ${v.scopeName(model.scope)} model, not ${v.scopeName(scope)}`, {
          field: 'scope',
        });
      }
      if (model.status !== 'candidate') {
        throw new CuratorError('INVALID_STATE', `${fn}: model ${modelId} is ${model.status}; only a candidate can be promoted`, { field: 'modelId' });
      }
      const current = await tx.promotions.latest(taskId, scope);
      return switchTo(tx, 'promote', taskId, scope, model, current?.modelId ?? null, change);
    });
  }

  async rollback(req: RollbackRequest): Promise<PromotionEvent> {
    const fn = 'rollback';
    const taskId = v.text(fn, 'taskId', req.taskId);
    const scope = req.scope === undefined ? GLOBAL : v.scope(fn, 'scope', req.scope);
    const change = checkChange(fn, req);
    return this.store.transaction(async (tx) => {
      await lockTask(tx, fn, taskId);
      const event = await rollbackWithin(tx, taskId, scope, change);
      if (event === undefined) {
        throw new CuratorError('INVALID_STATE', `${fn}: task '${taskId}' (${v.scopeName(scope)}) has no earlier model to roll back to`, {
          field: 'taskId',
        });
      }
      return event;
    });
  }

  /** The active model of a task and scope now, or at time `at`; null when none was active. */
  async activeAt(taskId: string, scope: Scope = GLOBAL, at?: Date): Promise<Model | null> {
    const fn = 'activeAt';
    v.text(fn, 'taskId', taskId);
    v.scope(fn, 'scope', scope);
    if (at !== undefined) v.date(fn, 'at', at);
    const event = await this.store.promotions.latest(taskId, scope, at);
    if (event === undefined) return null;
    return (await this.store.models.get(event.modelId)) ?? null;
  }

  /** The full history of a task and scope, oldest first. */
  async history(taskId: string, scope: Scope = GLOBAL): Promise<PromotionEvent[]> {
    v.text('history', 'taskId', taskId);
    return this.store.promotions.history(taskId, v.scope('history', 'scope', scope));
  }
}

function checkChange(fn: string, req: ChangeRequest): Required<ChangeRequest> {
  return {
    actor: v.text(fn, 'actor', req.actor),
    reason: v.text(fn, 'reason', req.reason),
    at: req.at === undefined ? new Date() : v.date(fn, 'at', req.at),
  };
}

/** Serialises champion changes of one task (a row lock where the backend has them; SQLite has one writer). */
async function lockTask(tx: Store, fn: string, taskId: string): Promise<void> {
  if (!(await tx.corpus.lockTask(taskId))) throw new CuratorError('NOT_FOUND', `${fn}: no task '${taskId}'`, { field: 'taskId' });
}

async function switchTo(
  tx: Store,
  action: PromotionEvent['action'],
  taskId: string,
  scope: Scope,
  model: Model,
  previousId: number | null,
  change: Required<ChangeRequest>,
): Promise<PromotionEvent> {
  if (previousId === model.id) {
    throw new CuratorError('INVALID_STATE', `${action}: model ${model.id} is already active`, { field: 'modelId' });
  }
  if (previousId !== null) {
    const previous = await tx.models.get(previousId);
    // A quarantined or retired champion keeps that status; only an active one steps down to candidate.
    if (previous?.status === 'active') await tx.models.setStatus([previousId], 'candidate', change.at);
  }
  await tx.models.setStatus([model.id], 'active', change.at);
  return tx.promotions.append({
    taskId,
    scope,
    action,
    modelId: model.id,
    previousModelId: previousId,
    actor: change.actor,
    reason: change.reason,
    createdAt: change.at,
  });
}

/**
 * Rolls a task and scope back inside an open transaction; undefined when there is nothing to
 * roll back to. Also used when the active model is quarantined.
 */
export async function rollbackWithin(tx: Store, taskId: string, scope: Scope, change: Required<ChangeRequest>): Promise<PromotionEvent | undefined> {
  const stack = activeStack(await tx.promotions.history(taskId, scope));
  const current = stack.pop();
  if (current === undefined) return undefined;
  while (stack.length > 0) {
    const candidateId = stack.pop()!;
    const target = await tx.models.get(candidateId);
    if (target !== undefined && target.status === 'candidate') return switchTo(tx, 'rollback', taskId, scope, target, current, change);
  }
  return undefined;
}

/** Replays the history into the stack of champions: a promotion pushes, a rollback pops back to its target. */
function activeStack(history: readonly PromotionEvent[]): number[] {
  const stack: number[] = [];
  for (const e of history) {
    if (e.action === 'promote') {
      stack.push(e.modelId);
      continue;
    }
    while (stack.length > 0 && stack[stack.length - 1] !== e.modelId) stack.pop();
    if (stack.length === 0) stack.push(e.modelId);
  }
  return stack;
}
