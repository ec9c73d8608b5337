import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import { callerOf } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { responses, UserSchema } from '../schemas.ts';

/** GET /v1/me: who the token belongs to. */
export const meRoutes: RouteModule = (api, { curator }) => {
  api.get('/v1/me', {
    schema: {
      tags: ['me'], summary: 'The caller: user, role and groups',
      response: responses({ 200: z.object({ user: UserSchema, role: z.enum(['admin', 'editor', 'user']), groups: z.array(z.string()).readonly(), tokenId: z.number().int() }) }),
    },
  }, async (request) => {
    const auth = callerOf(request);
    const user = await curator.store.corpus.getUser(auth.userId);
    if (user === undefined) throw new CuratorError('UNAUTHENTICATED', `the token's user '${auth.userId}' no longer exists`, { field: 'authorization' });
    return { user, role: auth.role, groups: [...auth.groups], tokenId: auth.tokenId };
  });
};
