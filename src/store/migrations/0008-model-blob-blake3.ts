import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations see the schema as it was, untyped */

/**
 * `models.blob_blake3`: the BLAKE3 of the blob, recorded at registration next to its SHA-256,
 * so loads check the blob with the faster of two cryptographic hashes (see
 * src/registry/checksum.ts). Null for models registered before: their loads check the SHA-256.
 */
export function modelBlobBlake3Migration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('models').addColumn('blob_blake3', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('models').dropColumn('blob_blake3').execute();
    },
  };
}
