import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */

/** The sort keys the models table gained beyond created time and score, each ending in id. */
const KEYS = [
  ['build_time', 'build_time_ms'],
  ['blob_size', 'blob_size'],
  ['estimator', 'estimator'],
  ['status', 'status'],
] as const;

/**
 * Keyset paging of the models table by build time, file size, estimator and status: one
 * (key, id) index for listings across tasks and one (task_id, key, id) for a task's, like the
 * created-time and score indexes of 0001. Without them a page sorts the whole table (or task).
 */
export function modelSortKeysMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      for (const [name, column] of KEYS) {
        // ifNotExists: on a large PostgreSQL table an operator may build them first with CONCURRENTLY.
        await db.schema.createIndex(`models_${name}`).ifNotExists().on('models').columns([column, 'id']).execute();
        await db.schema.createIndex(`models_task_${name}`).ifNotExists().on('models').columns(['task_id', column, 'id']).execute();
      }
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const [name] of KEYS) {
        await db.schema.dropIndex(`models_${name}`).ifExists().execute();
        await db.schema.dropIndex(`models_task_${name}`).ifExists().execute();
      }
    },
  };
}
