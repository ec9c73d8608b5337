import { sql, type CreateTableBuilder, type Kysely, type Migration } from 'kysely';
import type { StoreDialect } from '../capabilities.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */
type Db = Kysely<any>;
type Table = CreateTableBuilder<any, any>;

const SCOPE_KINDS = sql`('global', 'group', 'user')`;
const MODEL_STATUSES = sql`('candidate', 'active', 'retired', 'failed', 'quarantined')`;
const JOB_STATUSES = sql`('queued', 'running', 'succeeded', 'failed', 'cancelled')`;

/** The first schema: one table per concept of DESIGN.md. */
export function initialMigration(dialect: StoreDialect): Migration {
  const caps = dialect.capabilities;
  const id = (t: Table): Table => t.addColumn('id', caps.identityType, (c) => dialect.identity(c));
  const scoped = (t: Table): Table =>
    t
      .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
      .addColumn('scope_kind', 'text', (c) => c.notNull().check(sql`scope_kind in ${SCOPE_KINDS}`))
      .addColumn('scope_owner', 'text', (c) => c.notNull().defaultTo(''));
  const at = (t: Table, name: string, nullable = false): Table =>
    t.addColumn(name, 'bigint', (c) => (nullable ? c : c.notNull()));

  return {
    async up(db: Db): Promise<void> {
      const s = db.schema;
      await s
        .createTable('tasks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('input_kind', 'text', (c) => c.notNull().defaultTo('text'))
        .addColumn('config', 'text', (c) => c.notNull().defaultTo('{}'))
        .$call((t) => at(t, 'created_at'))
        .execute();

      await s
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('display_name', 'text', (c) => c.notNull().defaultTo(''))
        .$call((t) => at(t, 'created_at'))
        .execute();

      await s
        .createTable('groups')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('expert', 'integer', (c) => c.notNull().defaultTo(0).check(sql`expert in (0, 1)`))
        .$call((t) => at(t, 'created_at'))
        .execute();

      await s
        .createTable('memberships')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
        .$call((t) => at(t, 'created_at'))
        .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'group_id'])
        .execute();
      await s.createIndex('memberships_group').on('memberships').columns(['group_id']).execute();

      await s
        .createTable('api_tokens')
        .$call(id)
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
        .$call((t) => at(t, 'created_at'))
        .$call((t) => at(t, 'expires_at', true))
        .$call((t) => at(t, 'revoked_at', true))
        .$call((t) => at(t, 'last_used_at', true))
        .execute();

      await s
        .createTable('documents')
        .$call(id)
        .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
        .addColumn('external_id', 'text')
        .addColumn('content', 'text')
        .addColumn('features', 'text')
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.references('users.id').onDelete('set null'))
        .addColumn('metadata', 'text', (c) => c.notNull().defaultTo('{}'))
        .$call((t) => at(t, 'created_at'))
        .addUniqueConstraint('documents_external_id', ['task_id', 'external_id'])
        .execute();
      await s.createIndex('documents_task').on('documents').columns(['task_id', 'id']).execute();

      await s
        .createTable('annotations')
        .$call(id)
        .addColumn('document_id', 'bigint', (c) => c.notNull().references('documents.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('label', 'text', (c) => c.notNull())
        .$call((t) => at(t, 'created_at'))
        .$call((t) => at(t, 'updated_at'))
        .addUniqueConstraint('annotations_one_per_user', ['document_id', 'user_id'])
        .execute();
      await s.createIndex('annotations_user').on('annotations').columns(['user_id']).execute();

      await s
        .createTable('snapshots')
        .$call(id)
        .$call(scoped)
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('size', 'integer', (c) => c.notNull())
        .addColumn('label_counts', 'text', (c) => c.notNull())
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .$call((t) => at(t, 'created_at'))
        .addUniqueConstraint('snapshots_content', ['task_id', 'scope_kind', 'scope_owner', 'content_hash'])
        .execute();

      // No cascade from documents: a document inside a snapshot cannot be deleted (snapshots are immutable).
      await s
        .createTable('snapshot_items')
        .addColumn('snapshot_id', 'bigint', (c) => c.notNull().references('snapshots.id').onDelete('cascade'))
        .addColumn('document_id', 'bigint', (c) => c.notNull().references('documents.id'))
        .addColumn('label', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('snapshot_items_pk', ['snapshot_id', 'document_id'])
        .execute();
      await s.createIndex('snapshot_items_document').on('snapshot_items').columns(['document_id']).execute();

      await s
        .createTable('jobs')
        .$call(id)
        .$call(scoped)
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('build'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ${JOB_STATUSES}`))
        .addColumn('progress', 'double precision', (c) => c.notNull().defaultTo(0))
        .addColumn('snapshot_id', 'bigint', (c) => c.references('snapshots.id'))
        .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .$call((t) => at(t, 'created_at'))
        .$call((t) => at(t, 'started_at', true))
        .$call((t) => at(t, 'finished_at', true))
        .$call((t) => at(t, 'updated_at'))
        .execute();
      await s.createIndex('jobs_status').on('jobs').columns(['status', 'id']).execute();
      await s.createIndex('jobs_task').on('jobs').columns(['task_id', 'created_at']).execute();

      await s
        .createTable('models')
        .$call(id)
        .$call(scoped)
        .addColumn('estimator', 'text', (c) => c.notNull())
        .addColumn('hyperparameters', 'text', (c) => c.notNull())
        .addColumn('build_time_ms', 'double precision', (c) => c.notNull())
        .addColumn('score', 'double precision')
        .addColumn('score_metric', 'text')
        .addColumn('format_version', 'integer', (c) => c.notNull())
        .addColumn('blob_sha256', 'text', (c) => c.notNull())
        .addColumn('blob_size', 'bigint', (c) => c.notNull())
        .addColumn('snapshot_id', 'bigint', (c) => c.references('snapshots.id'))
        .addColumn('job_id', 'bigint', (c) => c.references('jobs.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ${MODEL_STATUSES}`))
        .addColumn('parent_id', 'bigint', (c) => c.references('models.id'))
        .addColumn('created_by', 'text')
        .$call((t) => at(t, 'created_at'))
        .$call((t) => at(t, 'status_changed_at'))
        .addUniqueConstraint('models_blob_once', ['task_id', 'scope_kind', 'scope_owner', 'blob_sha256'])
        .execute();
      // Paging: every listing orders by (created_at, id) or (score, id), usually within one task.
      await s.createIndex('models_task_created').on('models').columns(['task_id', 'created_at', 'id']).execute();
      await s.createIndex('models_task_score').on('models').columns(['task_id', 'score', 'id']).execute();
      await s.createIndex('models_created').on('models').columns(['created_at', 'id']).execute();
      await s.createIndex('models_score').on('models').columns(['score', 'id']).execute();
      await s
        .createIndex('models_scope_status')
        .on('models')
        .columns(['task_id', 'scope_kind', 'scope_owner', 'status', 'created_at'])
        .execute();

      // The blob lives apart from the row: listing never reads it, and retention deletes it alone.
      await s
        .createTable('model_blobs')
        .addColumn('model_id', 'bigint', (c) => c.primaryKey().references('models.id').onDelete('cascade'))
        .addColumn('data', caps.blobType, (c) => c.notNull())
        .execute();

      await s
        .createTable('evaluations')
        .$call(id)
        .addColumn('model_id', 'bigint', (c) => c.notNull().references('models.id').onDelete('cascade'))
        .addColumn('metric', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('mean', 'double precision', (c) => c.notNull())
        .addColumn('std', 'double precision', (c) => c.notNull())
        .addColumn('fold_values', 'text', (c) => c.notNull())
        .addUniqueConstraint('evaluations_one_per_metric', ['model_id', 'metric', 'label'])
        .execute();

      await s
        .createTable('promotions')
        .$call(id)
        .$call(scoped)
        .addColumn('action', 'text', (c) => c.notNull().check(sql`action in ('promote', 'rollback')`))
        .addColumn('model_id', 'bigint', (c) => c.notNull().references('models.id'))
        .addColumn('previous_model_id', 'bigint', (c) => c.references('models.id'))
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .$call((t) => at(t, 'created_at'))
        .execute();
      await s
        .createIndex('promotions_scope_time')
        .on('promotions')
        .columns(['task_id', 'scope_kind', 'scope_owner', 'created_at', 'id'])
        .execute();

      await s
        .createTable('predictions')
        .$call(id)
        .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id'))
        .addColumn('model_id', 'bigint', (c) => c.references('models.id'))
        .addColumn('model_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('user_id', 'text')
        .addColumn('input_ref', 'text')
        .addColumn('output', 'text', (c) => c.notNull())
        .addColumn('probabilities', 'text')
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .$call((t) => at(t, 'created_at'))
        .execute();
      await s.createIndex('predictions_task_time').on('predictions').columns(['task_id', 'created_at']).execute();
      await s.createIndex('predictions_model_time').on('predictions').columns(['model_id', 'created_at']).execute();

      await s
        .createTable('feedback')
        .$call(id)
        .addColumn('prediction_id', 'bigint', (c) => c.notNull().references('predictions.id').onDelete('cascade'))
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .$call((t) => at(t, 'created_at'))
        .execute();
      await s.createIndex('feedback_prediction').on('feedback').columns(['prediction_id']).execute();

      await s
        .createTable('monitor_windows')
        .$call(id)
        .addColumn('model_id', 'bigint', (c) => c.notNull().references('models.id').onDelete('cascade'))
        .addColumn('scope_kind', 'text', (c) => c.notNull().check(sql`scope_kind in ${SCOPE_KINDS}`))
        .addColumn('scope_owner', 'text', (c) => c.notNull().defaultTo(''))
        .$call((t) => at(t, 'window_start'))
        .$call((t) => at(t, 'window_end'))
        .addColumn('n', 'integer', (c) => c.notNull())
        .addColumn('accuracy', 'double precision')
        .addColumn('metrics', 'text', (c) => c.notNull())
        .$call((t) => at(t, 'created_at'))
        .addUniqueConstraint('monitor_windows_once', ['model_id', 'scope_kind', 'scope_owner', 'window_start', 'window_end'])
        .execute();

      await s
        .createTable('trigger_events')
        .$call(id)
        .$call(scoped)
        .addColumn('rule', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('job_id', 'bigint', (c) => c.references('jobs.id'))
        .$call((t) => at(t, 'created_at'))
        .execute();
      await s.createIndex('trigger_events_task_time').on('trigger_events').columns(['task_id', 'created_at']).execute();
    },

    async down(db: Db): Promise<void> {
      for (const table of [
        'trigger_events', 'monitor_windows', 'feedback', 'predictions', 'promotions', 'evaluations',
        'model_blobs', 'models', 'snapshot_items', 'snapshots', 'jobs', 'annotations', 'documents',
        'api_tokens', 'memberships', 'groups', 'users', 'tasks',
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
