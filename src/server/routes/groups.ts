import { z } from 'zod';
import { CuratorError } from '../../ml/errors.ts';
import type { RouteModule } from '../context.ts';
import { GroupSchema, responses } from '../schemas.ts';

const CreateGroup = z.strictObject({
  id: z.string().regex(/^[\w.@-]{1,100}$/, "1-100 letters, digits, '_', '.', '@', '-'"),
  expert: z.boolean().optional().describe("an expert group's labels win label resolution"),
  description: z.string().max(2000).optional(),
});
const GroupParams = z.strictObject({ id: z.string().min(1).max(100) });
const AddMember = z.strictObject({ userId: z.string().min(1) });
const GroupWithMembers = GroupSchema.extend({ members: z.array(z.string()).readonly() });

/** Groups and memberships (admin). */
export const groupRoutes: RouteModule = (api, { curator, auth }) => {
  api.get('/v1/groups', {
    config: { access: 'admin' },
    schema: { tags: ['people'], summary: 'Every group with its members', response: responses({ 200: z.object({ items: z.array(GroupWithMembers).readonly(), nextCursor: z.null() }) }) },
  }, async () => {
    const groups = await curator.store.listing.groups();
    const items = [];
    for (const g of groups) items.push({ ...g, members: await curator.store.corpus.membersOf(g.id) });
    return { items, nextCursor: null };
  });

  api.post('/v1/groups', {
    config: { access: 'admin' },
    schema: { tags: ['people'], summary: 'Create a group', body: CreateGroup, response: responses({ 201: GroupSchema }) },
  }, async (request, reply) => {
    const b = request.body;
    const group = await curator.addGroup(b.id, { ...(b.expert === undefined ? {} : { expert: b.expert }), ...(b.description === undefined ? {} : { description: b.description }) });
    return reply.code(201).send(group);
  });

  api.post('/v1/groups/:id/members', {
    config: { access: 'admin' },
    schema: { tags: ['people'], summary: 'Add a user to a group', params: GroupParams, body: AddMember, response: responses({ 201: GroupWithMembers }) },
  }, async (request, reply) => {
    const group = await curator.store.corpus.getGroup(request.params.id);
    if (group === undefined) throw new CuratorError('NOT_FOUND', `no group '${request.params.id}'`, { field: 'id' });
    if ((await curator.store.corpus.getUser(request.body.userId)) === undefined) {
      throw new CuratorError('INVALID_REFERENCE', `no user '${request.body.userId}'`, { field: 'userId' });
    }
    await curator.addMember(request.body.userId, group.id);
    auth.forget({ userId: request.body.userId });
    return reply.code(201).send({ ...group, members: await curator.store.corpus.membersOf(group.id) });
  });
};
