import { z } from 'zod';
import { actingUser, hidden } from '../access.ts';
import { callerOf, isStaff } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { PageQuery, pageOf, responses, ScopeSchema, TaskParams, Time } from '../schemas.ts';

const Predict = z.strictObject({ text: z.string().min(1).max(1_000_000) });

const PredictionAnswerSchema = z.object({
  predictionId: z.string().describe('name it in feedback'),
  label: z.string(),
  probabilities: z.record(z.string(), z.number()),
  modelId: z.number().int(),
  modelIds: z.array(z.number().int()).readonly(),
  scope: ScopeSchema,
  policy: z.enum(['fallback', 'ensemble']),
  latencyMs: z.number(),
});

const LoggedPrediction = z.object({
  id: z.number().int(),
  predictionId: z.string().nullable(),
  taskId: z.string(),
  modelId: z.number().int().nullable(),
  modelIds: z.array(z.number().int()).readonly(),
  userId: z.string().nullable(),
  inputRef: z.string().nullable(),
  output: z.string(),
  probabilities: z.record(z.string(), z.number()).nullable(),
  latencyMs: z.number(),
  createdAt: Time,
});

const ListQuery = z.strictObject({ ...PageQuery, userId: z.string().min(1).optional().describe('staff only: one user') });

const Feedback = z.strictObject({ predictionId: z.string().min(1).max(200), label: z.string().min(1) });
const FeedbackSchema = z.object({ id: z.number().int(), predictionId: z.number().int(), label: z.string(), userId: z.string().nullable(), createdAt: Time });

/** Predictions: predict as the token's user, the prediction log (users: their own), feedback on own predictions. */
export const predictionRoutes: RouteModule = (api, { curator, metrics }) => {
  api.post('/v1/tasks/:task/predict', {
    schema: { tags: ['predictions'], summary: "Predict with the model the selection policy picks for the token's user", params: TaskParams, body: Predict, response: responses({ 200: PredictionAnswerSchema }) },
  }, async (request) => {
    const auth = callerOf(request);
    const answer = await curator.predict(request.params.task, request.body.text, { userId: auth.userId });
    metrics.prediction(request.params.task, answer.modelId, answer.scope);
    return answer;
  });

  api.get('/v1/tasks/:task/predictions', {
    schema: { tags: ['predictions'], summary: 'The prediction log, newest first (user tokens: own predictions)', params: TaskParams, querystring: ListQuery, response: responses({ 200: pageOf(LoggedPrediction) }) },
  }, async (request) => {
    const auth = callerOf(request);
    const { task } = await curator.task(request.params.task);
    const q = request.query;
    const userId = isStaff(auth) ? q.userId : actingUser(auth, q.userId, 'userId');
    await curator.flush();
    return curator.store.listing.predictions(task.id, {
      ...(userId === undefined ? {} : { userId }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
  });

  api.post('/v1/tasks/:task/feedback', {
    schema: { tags: ['predictions'], summary: 'The true label of a logged prediction (user tokens: own predictions)', params: TaskParams, body: Feedback, response: responses({ 201: FeedbackSchema }) },
  }, async (request, reply) => {
    const auth = callerOf(request);
    const { predictionId, label } = request.body;
    if (!isStaff(auth)) {
      let owner = await curator.store.listing.predictionOwner(predictionId);
      if (owner === undefined) {
        await curator.flush(); // it may still sit in the log's buffer
        owner = await curator.store.listing.predictionOwner(predictionId);
      }
      if (owner === undefined || owner.userId !== auth.userId) throw hidden(`prediction ${JSON.stringify(predictionId)}`, 'predictionId');
    }
    const stored = await curator.feedback(request.params.task, { predictionId, label, userId: auth.userId });
    return reply.code(201).send(stored);
  });
};
