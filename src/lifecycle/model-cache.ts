import type { Registry } from '../registry/index.ts';
import { GLOBAL, type Scope } from '../store/index.ts';
import { scopeKey } from './scope-key.ts';
import { ServedModel } from './served-model.ts';

interface Slot {
  /** What predictions use now (the previous model until a reload succeeds). */
  current: ServedModel | null;
  /** Set while the slot must be re-read from the registry; shared by concurrent requests. */
  reload: Promise<ServedModel | null> | null;
  stale: boolean;
}

/**
 * Loaded models in memory, and which one is active per task and scope. Models are immutable,
 * so they are cached by id for good; only the (task, scope) → active model mapping goes stale,
 * when a promotion or rollback happens (`invalidate`). A stale slot is re-read on its next use,
 * once for all concurrent requests; until the new model is loaded, and if it cannot be, the
 * slot keeps answering with the model it had, so no prediction fails during a swap.
 *
 * @example
 * const cache = new ModelCache(registry);
 * const served = await cache.active('spam', GLOBAL);
 * cache.invalidate('spam', GLOBAL); // after a promotion
 */
export class ModelCache {
  private readonly byId = new Map<number, ServedModel>();
  private readonly slots = new Map<string, Slot>();
  /** Last load error per slot, for health reporting. */
  readonly errors = new Map<string, string>();

  constructor(private readonly registry: Registry) {}

  /** The active model of a task and scope (null when none), loading it on first use. */
  active(taskId: string, scope: Scope = GLOBAL): ServedModel | null | Promise<ServedModel | null> {
    const key = `${taskId}\u0000${scopeKey(scope)}`;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      slot = { current: null, reload: null, stale: true };
      this.slots.set(key, slot);
    }
    if (!slot.stale) return slot.current;
    return (slot.reload ??= this.refresh(key, slot, taskId, scope));
  }

  private async refresh(key: string, slot: Slot, taskId: string, scope: Scope): Promise<ServedModel | null> {
    try {
      const model = await this.registry.promotions.activeAt(taskId, scope);
      slot.current = model === null ? null : await this.load(model.id);
      this.errors.delete(key);
      slot.stale = false;
    } catch (error) {
      // Keep serving what we had; try again on a later request.
      this.errors.set(key, error instanceof Error ? error.message : String(error));
    } finally {
      slot.reload = null;
    }
    return slot.current;
  }

  /** A model by id, loaded and checksum-verified once. */
  async load(modelId: number): Promise<ServedModel> {
    const hit = this.byId.get(modelId);
    if (hit !== undefined) return hit;
    const { model, estimator } = await this.registry.models.loadEstimator(modelId, { expect: 'Pipeline' });
    const served = new ServedModel(model, estimator);
    this.byId.set(modelId, served);
    return served;
  }

  /** Marks a task's scope (or all its scopes) to be re-read: call after a promotion or rollback. */
  invalidate(taskId: string, scope?: Scope): void {
    const prefix = `${taskId}\u0000`;
    for (const [key, slot] of this.slots) {
      if (scope === undefined ? key.startsWith(prefix) : key === prefix + scopeKey(scope)) slot.stale = true;
    }
  }

  /** Forgets loaded models that no slot uses (e.g. after retention). */
  prune(): void {
    const used = new Set<number>();
    for (const s of this.slots.values()) if (s.current !== null) used.add(s.current.model.id);
    for (const id of this.byId.keys()) if (!used.has(id)) this.byId.delete(id);
  }
}
