import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { newPredictionId } from '../../src/lifecycle/prediction-id.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

it('makes distinct UUIDv7 ids, past the 256 drawn from one fill of the random pool', () => {
  const ids = Array.from({ length: 1000 }, () => newPredictionId());
  for (const id of ids) assert.match(id, V7);
  assert.equal(new Set(ids).size, ids.length);
});

it('makes ids that sort by the time they were made, and carry it', async () => {
  const before = Date.now();
  const earlier = newPredictionId();
  await sleep(3);
  const later = newPredictionId();
  assert.ok(earlier < later, `${earlier} sorts before ${later}`);
  const ms = Number.parseInt(earlier.replace(/-/g, '').slice(0, 12), 16);
  assert.ok(ms >= before && ms <= Date.now(), 'the first 48 bits are the time in ms');
});
