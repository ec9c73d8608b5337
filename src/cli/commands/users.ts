import type { Command } from 'commander';
import { emit, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { table } from '../table.ts';

/** `curator users add|ls`: the people who label, predict and own models. */
export function registerUsers(program: Command): void {
  const users = program.command('users').description('add and list users (tokens: curator tokens)');

  withCommon(users.command('add').description('add a user (who labels documents, asks for predictions and may own models)').argument('<id>', 'user id').option('--name <display name>', 'display name', ''))
    .action(async (id: string, opts: CommonOptions & { name: string }) => {
      await withCurator(opts, async (curator) => {
        const u = await curator.addUser(id, opts.name);
        emit(opts, { id: u.id, displayName: u.displayName, createdAt: u.createdAt.toISOString() }, () => `user '${u.id}' added; give them a token with: curator tokens add ${u.id} --role user`);
      });
    });

  withCommon(users.command('ls').description('list users with their groups')).action(async (opts: CommonOptions) => {
    await withCurator(opts, async (curator) => {
      const list = await curator.store.listing.users();
      const rows: { id: string; displayName: string; groups: string[]; createdAt: string }[] = [];
      for (const u of list) rows.push({ id: u.id, displayName: u.displayName, groups: (await curator.store.corpus.groupsOf(u.id)).map((g) => g.id), createdAt: u.createdAt.toISOString() });
      emit(opts, { items: rows }, () => table(['ID', 'Name', 'Groups', 'Created'], rows.map((u) => [u.id, u.displayName, u.groups.join(', '), u.createdAt])));
    });
  });
}
