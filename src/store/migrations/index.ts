import type { Migration } from 'kysely';
import type { StoreDialect } from '../capabilities.ts';
import { initialMigration } from './0001-initial.ts';
import { blobStorageMigration } from './0002-blob-storage.ts';
import { predictionRefMigration } from './0003-prediction-ref.ts';
import { jobLeaseMigration } from './0004-job-lease.ts';
import { triggerDetailMigration } from './0005-trigger-detail.ts';
import { modelBuildKeyMigration } from './0006-model-build-key.ts';
import { modelSortKeysMigration } from './0007-model-sort-keys.ts';
import { modelBlobBlake3Migration } from './0008-model-blob-blake3.ts';

/**
 * Every migration, by name; names sort in the order they apply. Add a file `000N-what.ts`
 * and a line here; never edit a migration that has shipped.
 */
export function allMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-blob-storage': blobStorageMigration(dialect),
    '0003-prediction-ref': predictionRefMigration(),
    '0004-job-lease': jobLeaseMigration(),
    '0005-trigger-detail': triggerDetailMigration(),
    '0006-model-build-key': modelBuildKeyMigration(),
    '0007-model-sort-keys': modelSortKeysMigration(),
    '0008-model-blob-blake3': modelBlobBlake3Migration(),
  };
}
