import { randomBytes } from 'node:crypto';
import { CuratorError } from '../ml/errors.ts';
import type { ApiToken, Store } from '../store/index.ts';
import { ROLES, type Role } from './auth.ts';

/** A freshly issued token: the only time its value is seen (the store keeps its SHA-256). */
export interface IssuedToken extends ApiToken {
  readonly token: string;
}

/**
 * Issues an API token for a user: 32 random bytes, `cur_` + base64url. For the CLI's first
 * admin token and for POST /v1/tokens.
 *
 * @example const { token } = await issueToken(store, { userId: 'ana', role: 'admin', label: 'cli' });
 */
export async function issueToken(store: Store, t: { userId: string; role: Role; label?: string; expiresAt?: Date }): Promise<IssuedToken> {
  if (!(ROLES as readonly string[]).includes(t.role)) {
    throw new CuratorError('INVALID_ARGUMENT', `issueToken: role must be one of ${ROLES.join(', ')}; got ${JSON.stringify(t.role)}`, { field: 'role' });
  }
  if ((await store.corpus.getUser(t.userId)) === undefined) throw new CuratorError('INVALID_REFERENCE', `issueToken: no user '${t.userId}'`, { field: 'userId' });
  const token = `cur_${randomBytes(32).toString('base64url')}`;
  const record = await store.corpus.createToken({ userId: t.userId, token, role: t.role, ...(t.label === undefined ? {} : { label: t.label }), ...(t.expiresAt === undefined ? {} : { expiresAt: t.expiresAt }) });
  return { ...record, token };
}
