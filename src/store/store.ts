import type { Kysely } from 'kysely';
import { ActivityRepo } from './activity-repo.ts';
import type { DialectCapabilities, StoreDialect } from './capabilities.ts';
import { CorpusRepo } from './corpus-repo.ts';
import { JobQueueRepo } from './job-queue-repo.ts';
import { LifecycleRepo } from './lifecycle-repo.ts';
import { ListingRepo } from './listing-repo.ts';
import { translateError } from './db-errors.ts';
import { ModelRepo } from './model-repo.ts';
import { PromotionRepo } from './promotion-repo.ts';
import type { Tables } from './schema.ts';
import { SnapshotRepo } from './snapshot-repo.ts';
import { TriggerMonitorRepo } from './trigger-monitor-repo.ts';

/**
 * Curator's persistence, the same on every backend. Repositories take and return entities
 * (types.ts); rows never leave this layer.
 *
 * @example
 * const store = await openStore('sqlite::memory:');
 * await store.transaction(async (tx) => {
 *   await tx.corpus.createTask({ id: 'spam', labels: ['ham', 'spam'] });
 * });
 * await store.close();
 */
export interface Store {
  /** Which backend, for messages and logs. */
  readonly label: string;
  readonly capabilities: DialectCapabilities;
  readonly corpus: CorpusRepo;
  readonly models: ModelRepo;
  readonly promotions: PromotionRepo;
  readonly snapshots: SnapshotRepo;
  readonly activity: ActivityRepo;
  /** Prediction log, feedback joins and build bookkeeping of the life cycle. */
  readonly lifecycle: LifecycleRepo;
  /** The durable job table used as a queue by the embedded job engine. */
  readonly jobs: JobQueueRepo;
  /** Trigger firings and monitor windows. */
  readonly triggerMonitor: TriggerMonitorRepo;
  /** Paged listings for the HTTP API and dashboard (tasks, people, documents, predictions, jobs). */
  readonly listing: ListingRepo;
  /** True for the store handed to a `transaction` callback. */
  readonly inTransaction: boolean;
  /**
   * Runs `fn` in one transaction: everything it did through `tx` commits together, or, if it
   * throws, nothing does. Nested calls join the outer transaction.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Gives space freed by deletions back to the file system where the backend can (see capabilities). */
  reclaimSpace(): Promise<void>;
  /** Closes the connections. */
  close(): Promise<void>;
}

/** The one implementation of `Store`: Kysely over any `StoreDialect`. */
export class KyselyStore implements Store {
  readonly corpus: CorpusRepo;
  readonly models: ModelRepo;
  readonly promotions: PromotionRepo;
  readonly snapshots: SnapshotRepo;
  readonly activity: ActivityRepo;
  readonly lifecycle: LifecycleRepo;
  readonly jobs: JobQueueRepo;
  readonly triggerMonitor: TriggerMonitorRepo;
  readonly listing: ListingRepo;

  constructor(
    private readonly db: Kysely<Tables>,
    private readonly dialect: StoreDialect,
  ) {
    this.corpus = new CorpusRepo(db, dialect);
    this.models = new ModelRepo(db, dialect);
    this.promotions = new PromotionRepo(db, dialect);
    this.snapshots = new SnapshotRepo(db, dialect);
    this.activity = new ActivityRepo(db, dialect);
    this.lifecycle = new LifecycleRepo(db, dialect);
    this.jobs = new JobQueueRepo(db, dialect);
    this.triggerMonitor = new TriggerMonitorRepo(db, dialect);
    this.listing = new ListingRepo(db);
  }

  get label(): string {
    return this.dialect.label;
  }

  get capabilities(): DialectCapabilities {
    return this.dialect.capabilities;
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    try {
      return await this.db.transaction().execute((trx) => fn(new KyselyStore(trx, this.dialect)));
    } catch (error) {
      throw translateError(this.dialect, error);
    }
  }

  async reclaimSpace(): Promise<void> {
    await this.dialect.reclaimSpace(this.db as unknown as Kysely<never>);
  }

  async close(): Promise<void> {
    if (!this.db.isTransaction) await this.db.destroy();
  }
}
