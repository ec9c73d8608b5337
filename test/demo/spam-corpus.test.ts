import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusFingerprint, fixedDoc, loadSpamCorpus, SPAM_CORPUS_SHA256 } from '../../src/demo/spam-corpus.ts';

test('the demo corpus loads exactly as the shared scikit-learn benchmark reads it', () => {
  const records = loadSpamCorpus();
  assert.equal(records.length, 6046);
  assert.equal(records.filter((r) => r.label === 'spam').length, 1896);
  assert.equal(corpusFingerprint(records), SPAM_CORPUS_SHA256);
  assert.equal(fixedDoc(records).key, 'spam-2/01169');
});

test('the fingerprint changes when one label changes', () => {
  const records = loadSpamCorpus().slice(0, 50);
  const flipped = records.map((r, i) => (i === 7 ? { ...r, label: r.label === 'spam' ? 'ham' : 'spam' } : r));
  assert.notEqual(corpusFingerprint(flipped), corpusFingerprint(records));
});
