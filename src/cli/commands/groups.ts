import type { Command } from 'commander';
import { emit, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { table } from '../table.ts';

/** `curator groups add|ls|add-member`: groups of users (an expert group's labels win label resolution). */
export function registerGroups(program: Command): void {
  const groups = program.command('groups').description('add groups, list them, add members');

  withCommon(
    groups.command('add').description('add a group (its members can share a group model; an expert group wins label disagreements)').argument('<id>', 'group id')
      .option('--expert', "its members' labels win when annotators disagree", false)
      .option('--description <text>', 'what the group is', ''),
  ).action(async (id: string, opts: CommonOptions & { expert: boolean; description: string }) => {
    await withCurator(opts, async (curator) => {
      const g = await curator.addGroup(id, { expert: opts.expert, description: opts.description });
      emit(opts, { id: g.id, expert: g.expert, description: g.description, createdAt: g.createdAt.toISOString() }, () => `group '${g.id}' added${g.expert ? ' (expert)' : ''}`);
    });
  });

  withCommon(groups.command('add-member').description('add a user to a group').argument('<group>', 'group id').argument('<user>', 'user id'))
    .action(async (group: string, user: string, opts: CommonOptions) => {
      await withCurator(opts, async (curator) => {
        await curator.addMember(user, group);
        emit(opts, { group, user }, () => `user '${user}' is in group '${group}'`);
      });
    });

  withCommon(groups.command('ls').description('list groups with their members')).action(async (opts: CommonOptions) => {
    await withCurator(opts, async (curator) => {
      const rows: { id: string; expert: boolean; description: string; members: string[]; createdAt: string }[] = [];
      for (const g of await curator.store.listing.groups()) {
        rows.push({ id: g.id, expert: g.expert, description: g.description, members: await curator.store.corpus.membersOf(g.id), createdAt: g.createdAt.toISOString() });
      }
      emit(opts, { items: rows }, () => table(['ID', 'Expert', 'Members', 'Description'], rows.map((g) => [g.id, g.expert ? 'yes' : '', g.members.join(', '), g.description])));
    });
  });
}
