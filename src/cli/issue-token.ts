import { CuratorError } from '../ml/errors.ts';
import { ROLES, type Role } from '../server/auth.ts';
import { issueToken as serverIssueToken, type IssuedToken } from '../server/tokens.ts';
import type { Store } from '../store/index.ts';

/** API token roles (see the HTTP contract): admin, editor (data scientist), user. */
export const TOKEN_ROLES = ROLES;

/**
 * Issues an API token the same way POST /v1/tokens does (`cur_` + 32 random bytes; only the
 * SHA-256 is stored, so this is the one time anyone sees it). An unknown user is NOT_FOUND
 * here (exit 3): on the command line the user is named directly, not referenced from a body.
 *
 * @example const { token } = await issueToken(store, { userId: 'admin', role: 'admin' });
 */
export async function issueToken(store: Store, t: { userId: string; role: string; label?: string; expiresAt?: Date }): Promise<IssuedToken> {
  if ((await store.corpus.getUser(t.userId)) === undefined) throw new CuratorError('NOT_FOUND', `no user '${t.userId}' (create it with: curator users add ${t.userId})`, { field: 'user' });
  return serverIssueToken(store, { ...t, role: t.role as Role });
}
