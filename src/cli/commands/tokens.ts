import { Option, type Command } from 'commander';
import { CuratorError } from '../../ml/errors.ts';
import type { ApiToken } from '../../store/index.ts';
import { emit, intAtLeast, modelId, withCommon, withCurator, type CommonOptions } from '../common.ts';
import { table } from '../table.ts';
import { issueToken, TOKEN_ROLES } from '../issue-token.ts';

/** A token's record as printed (never the token: only its hash is stored). */
function tokenJson(t: ApiToken): Record<string, unknown> {
  return {
    id: t.id, user: t.userId, role: t.role, label: t.label, createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null, lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  };
}

/** `curator tokens add|ls|revoke`: API tokens (`Authorization: Bearer …`), printed once at creation. */
export function registerTokens(program: Command): void {
  const tokens = program.command('tokens').description('issue, list and revoke API tokens (the token is printed once; only its hash is stored)');

  withCommon(
    tokens.command('add').description('issue a token for a user and print it (once)').argument('<user>', 'user id')
      .addOption(new Option('--role <role>', 'what the token may do').choices(TOKEN_ROLES).default('user'))
      .option('--label <text>', 'what the token is for', '')
      .option('--expires-days <n>', 'expires after n days (default: never)', intAtLeast(1)),
  ).action(async (user: string, opts: CommonOptions & { role: string; label: string; expiresDays?: number }) => {
    await withCurator(opts, async (curator) => {
      const expiresAt = opts.expiresDays === undefined ? undefined : new Date(Date.now() + opts.expiresDays * 86_400_000);
      const issued = await issueToken(curator.store, { userId: user, role: opts.role, label: opts.label, ...(expiresAt ? { expiresAt } : {}) });
      const { token, ...record } = issued;
      emit(opts, { ...tokenJson(record), token }, () =>
        `${token}\n\ntoken #${record.id} for '${user}' (role ${record.role}). It is shown only now: only its hash is stored.\nUse it as: Authorization: Bearer <token>`);
    });
  });

  withCommon(tokens.command('ls').description('list tokens: id, user, role, label, dates (never the token itself)').option('--user <id>', "only this user's tokens"))
    .action(async (opts: CommonOptions & { user?: string }) => {
      await withCurator(opts, async (curator) => {
        if (opts.user !== undefined && (await curator.store.corpus.getUser(opts.user)) === undefined) {
          throw new CuratorError('NOT_FOUND', `no user '${opts.user}'`, { field: 'user' });
        }
        const list = await curator.store.listing.tokens(opts.user);
        const day = (d: Date | null): string => (d === null ? '-' : d.toISOString().slice(0, 10));
        emit(opts, { items: list.map(tokenJson) }, () => table(
          ['ID', 'User', 'Role', 'Label', 'Created', 'Expires', 'Revoked', 'Last used'],
          list.map((t) => [String(t.id), t.userId, t.role, t.label, day(t.createdAt), day(t.expiresAt), day(t.revokedAt), day(t.lastUsedAt)]),
        ));
      });
    });

  withCommon(tokens.command('revoke').description('revoke a token by its id (it stops working at once)').argument('<id>', 'token id'))
    .action(async (id: string, opts: CommonOptions) => {
      let tokenId: number;
      try {
        tokenId = modelId(id);
      } catch {
        throw new CuratorError('INVALID_ARGUMENT', `token id must be a positive integer; got ${JSON.stringify(id)}`, { field: 'id' });
      }
      await withCurator(opts, async (curator) => {
        const t = await curator.store.listing.getToken(tokenId);
        if (t === undefined) throw new CuratorError('NOT_FOUND', `no token #${tokenId}`, { field: 'id' });
        if (t.revokedAt === null) await curator.store.corpus.revokeToken(tokenId);
        const now = (await curator.store.listing.getToken(tokenId))!;
        emit(opts, tokenJson(now), () => `token #${tokenId} of '${now.userId}' is revoked (since ${now.revokedAt?.toISOString()})`);
      });
    });
}
