import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */

/**
 * Gives every logged prediction a caller-visible reference. Predictions are written in batches
 * off the request path, so the database id does not exist yet when `predict` answers; the
 * reference it answers with is made in process and is what feedback names.
 */
export function predictionRefMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('predictions').addColumn('ref', 'text').execute();
      await db.schema.createIndex('predictions_ref').on('predictions').columns(['ref']).unique().execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('predictions_ref').execute();
      await db.schema.alterTable('predictions').dropColumn('ref').execute();
    },
  };
}
