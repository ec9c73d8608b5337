import type { Scope } from '../store/index.ts';

/** A scope as a map key and for messages: 'global', 'group:experts', 'user:ana'. */
export function scopeKey(scope: Scope): string {
  return scope.kind === 'global' ? 'global' : scope.kind === 'group' ? `group:${scope.groupId}` : `user:${scope.userId}`;
}
