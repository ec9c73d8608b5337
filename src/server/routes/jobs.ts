import { z } from 'zod';
import { hidden } from '../access.ts';
import type { RouteModule } from '../context.ts';
import { streamJobEvents } from '../job-events.ts';
import { IdParams, JobSchema, PageQuery, pageOf, responses } from '../schemas.ts';

const ListQuery = z.strictObject({
  ...PageQuery,
  task: z.string().min(1).optional(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
});

/** Jobs (staff): list, one by id, and its progress as server-sent events. */
export const jobRoutes: RouteModule = (api, deps) => {
  const listing = deps.curator.store.listing;

  api.get('/v1/jobs', {
    config: { access: 'staff' },
    schema: { tags: ['jobs'], summary: 'Build jobs, newest first', querystring: ListQuery, response: responses({ 200: pageOf(JobSchema) }) },
  }, async (request) => {
    const q = request.query;
    return listing.jobs({
      ...(q.task === undefined ? {} : { taskId: q.task }),
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
  });

  api.get('/v1/jobs/:id', {
    config: { access: 'staff' },
    schema: { tags: ['jobs'], summary: 'A job: status, attempts, progress, error', params: IdParams, response: responses({ 200: JobSchema }) },
  }, async (request) => {
    const job = await listing.getJob(request.params.id);
    if (job === undefined) throw hidden(`job ${request.params.id}`, 'id');
    return job;
  });

  api.get('/v1/jobs/:id/events', {
    config: { access: 'staff' },
    schema: {
      tags: ['jobs'], summary: "A job's progress as server-sent events (job, progress, …, end) until it ends",
      params: IdParams, response: responses({}),
    },
  }, async (request, reply) => {
    await streamJobEvents(reply, deps, request.params.id);
    return reply;
  });
};
