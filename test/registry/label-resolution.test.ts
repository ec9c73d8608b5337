import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveLabels, snapshotHash } from '../../src/registry/index.ts';

const ann = (documentId: number, userId: string, label: string) => ({ documentId, contentHash: `h${documentId}`, userId, label });
const labels = (r: ReturnType<typeof resolveLabels>) => Object.fromEntries(r.map((x) => [x.documentId, x.label]));

describe('label resolution', () => {
  const votes = [
    ann(1, 'a', 'spam'), ann(1, 'b', 'spam'), ann(1, 'c', 'ham'), // majority spam
    ann(2, 'a', 'spam'), ann(2, 'b', 'ham'), // tie: left out
    ann(3, 'a', 'ham'), ann(3, 'b', 'ham'), ann(3, 'e', 'spam'), // the expert wins
    ann(4, 'e', 'spam'), ann(4, 'f', 'ham'), ann(4, 'a', 'spam'), // experts tie: left out, non-experts do not break it
    ann(5, 'c', 'ham'), // one vote is a majority
  ];

  it('takes the majority, leaves ties out, and lets experts win', () => {
    assert.deepEqual(labels(resolveLabels(votes, { kind: 'majority', experts: new Set(['e', 'f']) })), { 1: 'spam', 3: 'spam', 5: 'ham' });
  });

  it('counts everyone alike without experts', () => {
    assert.deepEqual(labels(resolveLabels(votes, { kind: 'majority', experts: new Set() })), { 1: 'spam', 3: 'ham', 4: 'spam', 5: 'ham' });
  });

  it("uses only a user's own labels for a user scope", () => {
    assert.deepEqual(labels(resolveLabels(votes, { kind: 'own', userId: 'b' })), { 1: 'spam', 2: 'ham', 3: 'ham' });
  });

  it("lets only a group's members vote for a group scope", () => {
    // doc 1: b spam, c ham -> tie; doc 2: b ham; doc 3: b ham; doc 5: c ham.
    const r = resolveLabels(votes, { kind: 'majority', experts: new Set(['e']), voters: new Set(['b', 'c']) });
    assert.deepEqual(labels(r), { 2: 'ham', 3: 'ham', 5: 'ham' });
  });

  it('hashes content and labels, not ids or order', () => {
    const a = [{ contentHash: 'x', label: 'spam' }, { contentHash: 'y', label: 'ham' }];
    const b = [{ contentHash: 'y', label: 'ham' }, { contentHash: 'x', label: 'spam' }];
    assert.equal(snapshotHash(a), snapshotHash(b));
    assert.notEqual(snapshotHash(a), snapshotHash([{ contentHash: 'x', label: 'ham' }, { contentHash: 'y', label: 'ham' }]));
    assert.notEqual(snapshotHash(a), snapshotHash(a.slice(1)));
  });
});
