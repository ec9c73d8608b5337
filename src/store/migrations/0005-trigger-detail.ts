import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */

/**
 * A trigger firing's figures next to its reason: `trigger_events.detail` holds JSON (a growth
 * rule's counts, a decay alarm's test statistic, p-value, live and cross-validated scores), so
 * alarms can be listed and charted without parsing prose. Null for events written before.
 */
export function triggerDetailMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('trigger_events').addColumn('detail', 'text').execute();
      await db.schema.createIndex('jobs_scope_time').on('jobs').columns(['task_id', 'scope_kind', 'scope_owner', 'created_at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('jobs_scope_time').execute();
      await db.schema.alterTable('trigger_events').dropColumn('detail').execute();
    },
  };
}
