/**
 * src/store: Curator's persistence on SQLite and PostgreSQL behind one interface.
 *
 * @example
 * import { openStore } from './store/index.ts';
 * const store = await openStore('sqlite:./data/curator.db');
 */
export type { ConstraintKind, DialectCapabilities, StoreDialect } from './capabilities.ts';
export { createSqliteDialect } from './sqlite-dialect.ts';
export { createPostgresDialect, type PostgresOptions } from './postgres-dialect.ts';
export { openStore, migrate, dialectFromUrl, type OpenStoreOptions } from './open-store.ts';
export { migrateToLatest, type MigrationReport } from './migrator.ts';
export { KyselyStore, type Store } from './store.ts';
export { ModelRepo, MODEL_ORDERS, type ModelOrder, type NewModelRecord, type ModelFilter, type PageRequest, type Page } from './model-repo.ts';
export { PromotionRepo, type NewPromotionEvent } from './promotion-repo.ts';
export { SnapshotRepo, type NewSnapshot } from './snapshot-repo.ts';
export { CorpusRepo, sha256Hex, type NewTask, type NewDocument } from './corpus-repo.ts';
export { ListingRepo, type Growth, type GrowthPoint, type IdPage, type IdPageRequest, type ListedPrediction, type ListedJob } from './listing-repo.ts';
export { ActivityRepo, type NewPrediction, type NewJob, type JobUpdate } from './activity-repo.ts';
export * from './types.ts';
