import type { Store } from '../store/index.ts';
import { ModelRegistry } from './model-registry.ts';
import { PromotionService } from './promotions.ts';
import { SnapshotService } from './snapshot-service.ts';

/**
 * The registry over one store: models, promotions and snapshots. A thin client in MLflow's
 * sense: every rule lives in the three services, every row in the store.
 *
 * @example
 * const registry = new Registry(await openStore('sqlite::memory:'));
 * const model = await registry.models.register({ ... });
 * await registry.promotions.promote({ taskId: 'spam', modelId: model.id, actor: 'ana', reason: 'first model' });
 */
export class Registry {
  readonly models: ModelRegistry;
  readonly promotions: PromotionService;
  readonly snapshots: SnapshotService;

  constructor(readonly store: Store) {
    this.models = new ModelRegistry(store);
    this.promotions = new PromotionService(store);
    this.snapshots = new SnapshotService(store);
  }
}
