import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startServer, type TestServer } from './helpers.ts';

describe('dashboard static files', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer({ dashboard: true });
  });
  after(async () => s.close());

  it('GET /inbox (no slash) redirects to /inbox/, which serves the inbox page', async () => {
    const bare = await s.call('GET', '/inbox');
    assert.ok(bare.statusCode === 301 || bare.statusCode === 302, `status ${bare.statusCode}`);
    assert.equal(bare.headers.location, '/inbox/');
    const page = await s.call('GET', '/inbox/');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
  });

  it('keeps the query string through the redirect and still 404s an unknown folder', async () => {
    const bare = await s.call('GET', '/inbox?task=spam');
    assert.equal(bare.headers.location, '/inbox/?task=spam');
    assert.equal((await s.call('GET', '/no-such-folder')).statusCode, 404);
  });
});
