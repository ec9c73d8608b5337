import { z } from 'zod';
import type { RouteModule } from '../context.ts';
import { responses, UserSchema } from '../schemas.ts';

const CreateUser = z.strictObject({ id: z.string().regex(/^[\w.@-]{1,100}$/, "1-100 letters, digits, '_', '.', '@', '-'"), displayName: z.string().max(200).optional() });

/** Users (admin). */
export const userRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/users', {
    config: { access: 'admin' },
    schema: { tags: ['people'], summary: 'Every user', response: responses({ 200: z.object({ items: z.array(UserSchema).readonly(), nextCursor: z.null() }) }) },
  }, async () => ({ items: await curator.store.listing.users(), nextCursor: null }));

  api.post('/v1/users', {
    config: { access: 'admin' },
    schema: { tags: ['people'], summary: 'Create a user', body: CreateUser, response: responses({ 201: UserSchema }) },
  }, async (request, reply) => reply.code(201).send(await curator.addUser(request.body.id, request.body.displayName ?? '')));
};
