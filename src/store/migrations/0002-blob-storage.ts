import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../capabilities.ts';

/**
 * Model blobs stored uncompressed where the backend would otherwise try (PostgreSQL TOAST
 * EXTERNAL instead of EXTENDED): model files are dense floats and packed strings, so pglz
 * compression mostly fails after costing time on every insert, and, where it succeeds, every
 * load pays the decompression. Blobs stored before keep their form until rewritten.
 * Measured with `npm run bench:store` (see bench/store-bench.ts).
 */
export function blobStorageMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await dialect.tuneBlobColumn?.(db as unknown as Kysely<never>, 'model_blobs', 'data');
    },
    // Storage is a physical detail: nothing to undo that changes what the schema means.
    async down(): Promise<void> {},
  };
}
