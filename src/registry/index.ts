/**
 * src/registry: models, scores, snapshots and promotion history on top of src/store.
 * The entities come from src/store (re-exported here), so callers need only this module.
 *
 * @example
 * import { Registry } from './registry/index.ts';
 * import { openStore } from './store/index.ts';
 * const registry = new Registry(await openStore('sqlite:./data/curator.db'));
 */
export { Registry } from './registry.ts';
export {
  ModelRegistry,
  type RegisterModelInput,
  type RegisterOptions,
  type RegisterStep,
  type LoadedModel,
  type RetentionPolicy,
  type RetentionReport,
} from './model-registry.ts';
export { PromotionService, type ChangeRequest, type PromoteRequest, type RollbackRequest } from './promotions.ts';
export { SnapshotService, type SnapshotRequest, type SnapshotResult } from './snapshot-service.ts';
export { resolveLabels, ruleName, type ResolutionRule, type ResolvedLabel } from './label-resolution.ts';
export { snapshotHash } from './snapshot-hash.ts';
export { blake3OfBytes, sha256OfBytes } from './checksum.ts';
export {
  GLOBAL,
  type Scope,
  type Model,
  type ModelStatus,
  type Evaluation,
  type PromotionEvent,
  type Snapshot,
  type SnapshotItem,
  type ModelFilter,
  type PageRequest,
  type Page,
  MODEL_ORDERS,
  type ModelOrder,
} from '../store/index.ts';
