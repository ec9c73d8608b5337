import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */

/**
 * One model per candidate and build: a unique key on (job_id, hyperparameters) — the
 * hyperparameters name the candidate. A distributed build's fan-in may run twice (a worker
 * lost its lock, or died after registering); the second registration then fails on this key
 * and carries on with the first one's model instead of adding a duplicate. Models registered
 * outside a build have no job and are not constrained (NULLs are distinct in both dialects).
 */
export function modelBuildKeyMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      // ifNotExists: on a large PostgreSQL table an operator may build it first with CONCURRENTLY (docs/deployment.md).
      await db.schema.createIndex('models_build_candidate').ifNotExists().on('models').columns(['job_id', 'hyperparameters']).unique().execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('models_build_candidate').execute();
    },
  };
}
