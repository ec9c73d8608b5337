import { z } from 'zod';
import { actingUser } from '../access.ts';
import { callerOf, isStaff } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { DocumentSchema, JsonObject, PageQuery, pageOf, responses, TaskParams, Time } from '../schemas.ts';

const AddDocuments = z.strictObject({
  documents: z.array(z.strictObject({
    content: z.string().min(1).max(1_000_000),
    externalId: z.string().min(1).max(500).optional(),
    metadata: JsonObject.optional(),
    authorId: z.string().min(1).optional().describe('staff only; default the caller'),
  })).min(1).max(10_000),
});

const ListQuery = z.strictObject({ ...PageQuery, authorId: z.string().min(1).optional().describe('staff only: one author') });

const DocumentWithAnnotation = DocumentSchema.extend({
  annotation: z.object({ label: z.string(), updatedAt: Time }).nullable().describe("the caller's label"),
});

/** The corpus: add documents (author = the caller for user tokens), page through them (users: their own). */
export const documentRoutes: RouteModule = (api, { curator }) => {
  api.post('/v1/tasks/:task/documents', {
    schema: {
      tags: ['corpus'], summary: 'Add documents (all or none)', params: TaskParams, body: AddDocuments,
      response: responses({ 201: z.object({ items: z.array(DocumentSchema).readonly() }) }),
    },
  }, async (request, reply) => {
    const auth = callerOf(request);
    const docs = request.body.documents.map((d, i) => ({
      content: d.content,
      authorId: actingUser(auth, d.authorId, `documents[${i}].authorId`),
      ...(d.externalId === undefined ? {} : { externalId: d.externalId }),
      ...(d.metadata === undefined ? {} : { metadata: d.metadata }),
    }));
    const items = await curator.addDocuments(request.params.task, docs);
    return reply.code(201).send({ items });
  });

  api.get('/v1/tasks/:task/documents', {
    schema: {
      tags: ['corpus'], summary: "A task's documents, newest first, each with the caller's annotation (user tokens: own documents only)",
      params: TaskParams, querystring: ListQuery, response: responses({ 200: pageOf(DocumentWithAnnotation) }),
    },
  }, async (request) => {
    const auth = callerOf(request);
    const { task } = await curator.task(request.params.task);
    const q = request.query;
    const authorId = isStaff(auth) ? q.authorId : actingUser(auth, q.authorId, 'authorId');
    const page = await curator.store.listing.documents(task.id, {
      annotatorId: auth.userId,
      ...(authorId === undefined ? {} : { authorId }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return {
      items: page.items.map(({ document, annotation }) => ({
        ...document,
        annotation: annotation === null ? null : { label: annotation.label, updatedAt: annotation.updatedAt },
      })),
      nextCursor: page.nextCursor,
    };
  });
};
