import { CuratorError } from '../ml/errors.ts';
import type { Scope } from '../store/index.ts';
import { isStaff, type AuthContext } from './auth.ts';

/**
 * Per-user isolation in one place. Staff (admin, editor) see everything; a user sees the global
 * scope, the scopes of their groups and their own. What a caller may not see is answered like
 * what does not exist (404), so ids reveal nothing.
 */
export function canSeeScope(auth: AuthContext, scope: Scope): boolean {
  if (isStaff(auth)) return true;
  if (scope.kind === 'global') return true;
  if (scope.kind === 'group') return auth.groups.includes(scope.groupId);
  return scope.userId === auth.userId;
}

/** NOT_FOUND worded like the registry's own, for an object the caller may not see. */
export function hidden(what: string, field: string): CuratorError {
  return new CuratorError('NOT_FOUND', `no ${what}`, { field });
}

/**
 * The user an action is done as: the caller by default; another user only for staff
 * (FORBIDDEN for a user token naming someone else).
 */
export function actingUser(auth: AuthContext, requested: string | undefined, field: string): string {
  if (requested === undefined || requested === auth.userId) return auth.userId;
  if (isStaff(auth)) return requested;
  throw new CuratorError('FORBIDDEN', `${field} must be your own user id ('${auth.userId}') with a user token; got '${requested}'`, { field });
}
