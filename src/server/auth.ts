import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CuratorError } from '../ml/errors.ts';
import type { Store } from '../store/index.ts';

/** Token roles: admin (everything), editor (data scientist: tasks, data, builds, models), user (own data). */
export const ROLES = ['admin', 'editor', 'user'] as const;
export type Role = (typeof ROLES)[number];

/** Who may call a route: 'public' needs no token; 'any' any valid token; 'staff' admin or editor; 'admin' admin. */
export type Access = 'public' | 'any' | 'staff' | 'admin';

/** The caller of an authenticated request. */
export interface AuthContext {
  readonly userId: string;
  readonly role: Role;
  readonly tokenId: number;
  readonly groups: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller; null on public routes. */
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route (default 'any' under /v1, 'public' elsewhere). */
    access?: Access;
  }
}

interface Cached {
  /** null: no such token (remembered too, so a flood of made-up tokens costs no queries). */
  readonly auth: AuthContext | null;
  readonly expiresAt: number | null;
  readonly until: number;
}

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{8,512})$/;

/**
 * Bearer-token authentication with a short cache: a token is looked up by its SHA-256
 * (store.corpus.findToken), rejected when unknown, revoked or expired, and remembered for
 * `ttlMs` so a busy client does not cost a query per request. A revocation through this server
 * drops the cache entry at once; one made elsewhere (another server, the CLI) takes effect
 * within `ttlMs`.
 */
export class Authenticator {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5000,
  ) {}

  /** The caller of a request, or UNAUTHENTICATED naming what is wrong with the header. */
  async authenticate(header: string | undefined, now = Date.now()): Promise<AuthContext> {
    if (header === undefined || header === '') {
      throw new CuratorError('UNAUTHENTICATED', 'missing Authorization header: send "Authorization: Bearer <token>"', { field: 'authorization' });
    }
    const m = BEARER.exec(header);
    if (m === null) throw new CuratorError('UNAUTHENTICATED', 'malformed Authorization header: expected "Bearer <token>"', { field: 'authorization' });
    const token = m[1]!;
    const hit = this.cache.get(token);
    if (hit !== undefined && hit.until > now) {
      if (hit.auth === null) throw unknown();
      if (hit.expiresAt !== null && hit.expiresAt <= now) throw expired();
      return hit.auth;
    }
    const record = await this.store.corpus.findToken(token);
    if (this.cache.size > 10_000) this.cache.clear();
    if (record === undefined) {
      this.cache.set(token, { auth: null, expiresAt: null, until: now + this.ttlMs });
      throw unknown();
    }
    if (record.revokedAt !== null) throw new CuratorError('UNAUTHENTICATED', 'token was revoked', { field: 'authorization' });
    if (record.expiresAt !== null && record.expiresAt.getTime() <= now) throw expired();
    if (!(ROLES as readonly string[]).includes(record.role)) {
      throw new CuratorError('UNAUTHENTICATED', `token has unknown role '${record.role}'`, { field: 'authorization' });
    }
    const groups = (await this.store.corpus.groupsOf(record.userId)).map((g) => g.id);
    const auth: AuthContext = { userId: record.userId, role: record.role as Role, tokenId: record.id, groups };
    this.cache.set(token, { auth, expiresAt: record.expiresAt?.getTime() ?? null, until: now + this.ttlMs });
    return auth;
  }

  /** Forgets cached tokens of a token id (revoked) or a user (groups changed). */
  forget(match: { tokenId?: number; userId?: string }): void {
    for (const [k, v] of this.cache) {
      if (v.auth !== null && (v.auth.tokenId === match.tokenId || v.auth.userId === match.userId)) this.cache.delete(k);
    }
  }

  /**
   * Installs the check on every request: routes under /v1 need a token (and the route's
   * `access` role), others are public unless their config says otherwise. It runs in
   * onRequest, before the body is parsed, so a request without a valid token learns only that.
   */
  install(app: FastifyInstance): void {
    app.decorateRequest('auth', null);
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const access = accessOf(request);
      if (access === 'public') return;
      const auth = await this.authenticate(request.headers.authorization);
      request.auth = auth;
      if (access === 'staff' && auth.role === 'user') {
        throw new CuratorError('FORBIDDEN', `${request.method} ${request.routeOptions.url} needs an admin or editor token; this token's role is 'user'`);
      }
      if (access === 'admin' && auth.role !== 'admin') {
        throw new CuratorError('FORBIDDEN', `${request.method} ${request.routeOptions.url} needs an admin token; this token's role is '${auth.role}'`);
      }
    });
  }
}

function unknown(): CuratorError {
  return new CuratorError('UNAUTHENTICATED', 'unknown token', { field: 'authorization' });
}

function expired(): CuratorError {
  return new CuratorError('UNAUTHENTICATED', 'token has expired', { field: 'authorization' });
}

/** A route's access level; unknown routes under /v1 need a token too (so they reveal nothing). */
export function accessOf(request: FastifyRequest): Access {
  const configured = request.routeOptions.config?.access;
  if (configured !== undefined) return configured;
  const pattern = request.routeOptions.url;
  // Unmatched requests, and those only the dashboard's catch-all matched, go by their path.
  const url = pattern === undefined || pattern === '/*' ? request.url : pattern;
  return url.startsWith('/v1/') || url === '/v1' || url.startsWith('/v1?') ? 'any' : 'public';
}

/** The caller of a request on an authenticated route (the hook guarantees it). */
export function callerOf(request: FastifyRequest): AuthContext {
  if (request.auth === null) throw new CuratorError('UNAUTHENTICATED', 'this route needs a token', { field: 'authorization' });
  return request.auth;
}

/** True for admin and editor tokens. */
export function isStaff(auth: AuthContext): boolean {
  return auth.role === 'admin' || auth.role === 'editor';
}
