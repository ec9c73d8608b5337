import type { FastifySerializerCompiler } from 'fastify';
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * Response serialization. The zod response schemas type the handlers at compile time and
 * describe the answers in the OpenAPI document; at run time `plain` only stringifies (Dates
 * become ISO strings by their toJSON), which keeps the hot path cheap. `checked` also checks
 * the answer against the schema before stringifying it: what tests use, so a handler that drifts from its
 * documented answer fails them.
 */
export const plainSerializer: FastifySerializerCompiler<unknown> = () => (data) => JSON.stringify(data);

export const checkedSerializer: FastifySerializerCompiler<unknown> = ({ schema, method, url }) => (data) => {
  const result = z.safeParse(schema as z.ZodType, data);
  if (!result.success) throw new ResponseSerializationError(method, url, { cause: result.error });
  return JSON.stringify(data);
};
