import assert from 'node:assert/strict';
import { CuratorError } from '../../src/ml/errors.ts';

/** Asserts that `promise` rejects with a CuratorError of this code (and, if given, field). */
export async function rejectsWith(promise: Promise<unknown>, code: string, field?: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof CuratorError, `expected a CuratorError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field, e.message);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}
