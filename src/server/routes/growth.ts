import { z } from 'zod';
import type { RouteModule } from '../context.ts';
import { responses, TaskParams, Time, TriggerEventSchema } from '../schemas.ts';

/** Bucket lengths the growth chart offers, in ms. */
const BUCKETS = { hour: 3_600_000, day: 86_400_000 } as const;

const GrowthQuery = z.strictObject({
  bucket: z.enum(['day', 'hour']).optional().describe('bucket length (default day; buckets start at UTC midnight / the full hour)'),
});

const GrowthSchema = z.object({
  task: z.string(),
  bucket: z.enum(['day', 'hour']),
  bucketMs: z.number().int(),
  points: z.array(z.object({
    start: Time.describe('start of the bucket'),
    documents: z.number().int().describe('documents created up to the end of the bucket'),
    labelled: z.number().int().describe('of those, documents with an annotation by the end of the bucket'),
  })).readonly().describe('only buckets in which something was added, oldest first; totals are cumulative'),
  firings: z.array(TriggerEventSchema).readonly().describe('trigger firings (time, rule, reason, job), oldest first; the newest 1,000'),
  firingsTruncated: z.boolean().describe('true when older firings were left out'),
});

/** A task's corpus growth over time, with the trigger firings (staff): what the dashboard's corpus chart plots. */
export const growthRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/tasks/:task/growth', {
    config: { access: 'staff' },
    schema: {
      tags: ['corpus'], summary: 'Documents and labelled documents over time (cumulative, per day or hour) and the trigger firings',
      params: TaskParams, querystring: GrowthQuery, response: responses({ 200: GrowthSchema }),
    },
  }, async (request) => {
    const { task } = await curator.task(request.params.task);
    const bucket = request.query.bucket ?? 'day';
    const growth = await curator.store.listing.growth(task.id, { bucketMs: BUCKETS[bucket], firingsLimit: 1000 });
    return { task: task.id, bucket, bucketMs: BUCKETS[bucket], ...growth };
  });
};
