import type { Insertable, Kysely, Selectable } from 'kysely';
import type { StoreDialect } from './capabilities.ts';
import type { Tables } from './schema.ts';

type WithId = { [K in keyof Tables]: Tables[K] extends { id: unknown } ? K : never }[keyof Tables];

/**
 * Inserts one row and reads it back whole: with `RETURNING` where the backend has it,
 * otherwise by the driver's insert id.
 */
export async function insertRow<T extends WithId>(
  db: Kysely<Tables>,
  dialect: StoreDialect,
  table: T,
  row: Insertable<Tables[T]>,
): Promise<Selectable<Tables[T]>> {
  // Kysely cannot follow a table name that is a type parameter; the signature keeps callers typed.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const loose = db as unknown as Kysely<any>;
  if (dialect.capabilities.supportsReturning) {
    return (await loose.insertInto(table).values(row).returningAll().executeTakeFirstOrThrow()) as Selectable<Tables[T]>;
  }
  const { insertId } = await loose.insertInto(table).values(row).executeTakeFirstOrThrow();
  return (await loose.selectFrom(table).selectAll().where('id', '=', Number(insertId)).executeTakeFirstOrThrow()) as Selectable<Tables[T]>;
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
