import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */

/**
 * What the embedded job engine needs to make the jobs table a durable queue that survives a
 * crash: who holds a job (`owner`: host, process id and engine instance, so a restarted process
 * can tell that the holder is gone), how many attempts it may take (`max_attempts`), and where
 * it is (`detail`: the latest progress as JSON — stage, fold i of n, candidate j of m).
 * `updated_at`, written at every progress step, doubles as the holder's heartbeat.
 */
export function jobLeaseMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('jobs').addColumn('owner', 'text').execute();
      await db.schema.alterTable('jobs').addColumn('max_attempts', 'integer', (c) => c.notNull().defaultTo(1)).execute();
      await db.schema.alterTable('jobs').addColumn('detail', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('jobs').dropColumn('detail').execute();
      await db.schema.alterTable('jobs').dropColumn('max_attempts').execute();
      await db.schema.alterTable('jobs').dropColumn('owner').execute();
    },
  };
}
