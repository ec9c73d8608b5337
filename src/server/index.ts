/**
 * src/server: the HTTP service over a curator — the /v1 REST API with zod-validated schemas and
 * its OpenAPI document, bearer tokens with roles, rate limits, Prometheus metrics, job progress
 * as server-sent events, and the dashboard.
 *
 * @example
 * import { createServer } from './server/index.ts';
 * const app = await createServer({ curator });
 * await app.listen({ port: 8080 });
 */
export { createServer, type ServerOptions, type RouteInfo } from './create-server.ts';
export { issueToken, type IssuedToken } from './tokens.ts';
export { ROLES, type Role, type Access, type AuthContext } from './auth.ts';
export { ERROR_STATUS, toHttpError, type ErrorBody } from './error-mapping.ts';
