import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import { hidden } from '../access.ts';
import { callerOf, ROLES } from '../auth.ts';
import type { RouteModule } from '../context.ts';
import { IdParams, responses, Time } from '../schemas.ts';
import { issueToken } from '../tokens.ts';

const CreateToken = z.strictObject({
  userId: z.string().min(1),
  role: z.enum(ROLES),
  label: z.string().max(200).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO time; never expires when left out'),
});

const TokenSchema = z.object({
  id: z.number().int(),
  userId: z.string(),
  role: z.string(),
  label: z.string(),
  createdAt: Time,
  expiresAt: Time.nullable(),
  revokedAt: Time.nullable(),
  lastUsedAt: Time.nullable(),
});

/** Tokens: admins issue them (the value is answered once); a user may revoke their own. */
export const tokenRoutes: RouteModule = (api, { curator, auth }) => {
  api.post('/v1/tokens', {
    config: { access: 'admin' },
    schema: { tags: ['people'], summary: 'Issue a token (its value is in this answer only)', body: CreateToken, response: responses({ 201: TokenSchema.extend({ token: z.string() }) }) },
  }, async (request, reply) => {
    const b = request.body;
    const expiresAt = b.expiresAt === undefined ? undefined : new Date(b.expiresAt);
    if (expiresAt !== undefined && expiresAt.getTime() <= Date.now()) throw new CuratorError('INVALID_ARGUMENT', `expiresAt ${b.expiresAt} is in the past`, { field: 'expiresAt' });
    const issued = await issueToken(curator.store, { userId: b.userId, role: b.role, ...(b.label === undefined ? {} : { label: b.label }), ...(expiresAt === undefined ? {} : { expiresAt }) });
    return reply.code(201).send(issued);
  });

  api.delete('/v1/tokens/:id', {
    schema: { tags: ['people'], summary: 'Revoke a token (admins: any; others: their own)', params: IdParams, response: responses({ 200: TokenSchema }) },
  }, async (request) => {
    const caller = callerOf(request);
    const token = await curator.store.listing.getToken(request.params.id);
    if (token === undefined || (caller.role !== 'admin' && token.userId !== caller.userId)) throw hidden(`token ${request.params.id}`, 'id');
    if (token.revokedAt === null) await curator.store.corpus.revokeToken(token.id);
    auth.forget({ tokenId: token.id });
    return (await curator.store.listing.getToken(token.id))!;
  });
};
