import { z } from 'zod';
import { actingUser, hidden } from '../access.ts';
import { callerOf, isStaff } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { AnnotationSchema, responses, TaskParams } from '../schemas.ts';

const Annotate = z.strictObject({
  documentId: z.number().int().min(1),
  label: z.string().min(1),
  userId: z.string().min(1).optional().describe('staff only; default the caller'),
});

/** Labels: one user's label for one document (user tokens: their own label on their own documents). */
export const annotationRoutes: RouteModule = (api, { curator }) => {
  api.post('/v1/tasks/:task/annotations', {
    schema: { tags: ['corpus'], summary: "Set a user's label for a document", params: TaskParams, body: Annotate, response: responses({ 201: AnnotationSchema }) },
  }, async (request, reply) => {
    const auth = callerOf(request);
    const b = request.body;
    const userId = actingUser(auth, b.userId, 'userId');
    if (!isStaff(auth)) {
      const doc = await curator.store.corpus.getDocument(b.documentId);
      if (doc === undefined || doc.authorId !== auth.userId) throw hidden(`document ${b.documentId}`, 'documentId');
    }
    const annotation = await curator.annotate(request.params.task, { documentId: b.documentId, label: b.label, userId });
    return reply.code(201).send(annotation);
  });
};
