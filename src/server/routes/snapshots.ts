import { z } from 'zod';
import type { RouteModule } from '../context.ts';
import { IdParams, responses, SnapshotSchema, TaskParams } from '../schemas.ts';

/** Snapshots (staff): a task's frozen training sets and one by id. */
export const snapshotRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/tasks/:task/snapshots', {
    config: { access: 'staff' },
    schema: { tags: ['snapshots'], summary: "A task's snapshots", params: TaskParams, response: responses({ 200: z.object({ items: z.array(SnapshotSchema).readonly(), nextCursor: z.null() }) }) },
  }, async (request) => {
    const { task } = await curator.task(request.params.task);
    return { items: await curator.registry.snapshots.list(task.id), nextCursor: null };
  });

  api.get('/v1/snapshots/:id', {
    config: { access: 'staff' },
    schema: { tags: ['snapshots'], summary: 'A snapshot', params: IdParams, response: responses({ 200: SnapshotSchema }) },
  }, async (request) => curator.registry.snapshots.get(request.params.id));
};
