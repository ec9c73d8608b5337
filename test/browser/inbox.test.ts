import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GLOBAL } from '../../src/store/index.ts';
import { chromiumMissing, startBrowserApp, type BrowserApp } from './browser-app.ts';

/*
 * The demo application's inbox in Chromium: a user sees their emails with the prediction made
 * for each (model and scope), marks them spam or ham (annotation + feedback), the feedback
 * reaches the decay monitor of the model that predicted, and after enough labels the growth
 * rule builds the user's own model, which the inbox then shows.
 */
const missing = chromiumMissing();

describe('inbox in Chromium', { skip: missing || false, timeout: 240_000 }, () => {
  let app: BrowserApp;
  const truth = new Map<number, string>();
  before(async () => {
    app = await startBrowserApp();
    const docs = await app.curator.addDocuments('spam', app.spare.map((r) => ({ content: r.text, authorId: 'bob', externalId: r.key })));
    docs.forEach((d, i) => truth.set(d.id, app.spare[i]!.label));
  });
  after(async () => {
    await app?.close();
  });

  test('a user sees their emails with predictions, labels them, the monitor gets the feedback, and their own model appears', async () => {
    const page = await app.page();
    await app.signIn(page, app.tokens.bob);
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await app.rendered(page, () => page.goto(`${app.url}/inbox/`)); // the demo application's address
    assert.equal(await page.evaluate('location.hash'), '#/inbox');
    assert.equal(await page.getByRole('link', { name: 'Models' }).count(), 0, 'a user token sees no dashboard pages');
    const mails = page.getByTestId('inbox-list').locator('article');
    assert.equal(await mails.count(), truth.size, 'only bob’s own emails');
    const global = (await app.curator.registry.models.list({ taskId: 'spam', status: 'active', scope: GLOBAL }, { limit: 1 })).items[0]!;
    for (const verdict of await page.getByTestId('verdict').allInnerTexts()) {
      assert.match(verdict, new RegExp(`^Predicted (spam|ham) \\(\\d+ %\\) by model #${global.id} \\(global scope\\)$`), verdict);
    }
    await page.getByTestId('own-model').getByText('your own model is built once you have labelled 8').waitFor();
    await app.shoot(page, 'inbox');

    // Four of each label, so a 3-fold build of bob's labels is possible.
    const ids = [...truth.keys()];
    const chosen = [...ids.filter((id) => truth.get(id) === 'ham').slice(0, 4), ...ids.filter((id) => truth.get(id) === 'spam').slice(0, 4)];
    for (const id of chosen) {
      const mail = page.locator(`article[data-document-id="${id}"]`);
      await mail.getByRole('button', { name: `Mark ${truth.get(id)}` }).click();
      await mail.getByTestId('feedback-saved').waitFor({ timeout: 60_000 });
      assert.equal(await mail.getByRole('button', { name: `Mark ${truth.get(id)}` }).getAttribute('aria-pressed'), 'true');
    }

    // The feedback joined the predictions: the global model's count window holds eight of them.
    const res = await fetch(`${app.url}/v1/tasks/spam/monitor?modelId=${global.id}`, { headers: { authorization: `Bearer ${app.tokens.admin}` } });
    const monitor = await res.json() as { models: { modelId: number; count: { n: number } }[] };
    assert.equal(monitor.models.find((m) => m.modelId === global.id)?.count.n, 8);

    // The growth rule for user scopes fired at bob's eighth label; the inbox shows his model once built.
    await page.getByTestId('own-model').getByText(/Your own model #\d+ .*user:bob/).waitFor({ timeout: 120_000 });
    const own = (await app.curator.registry.models.list({ taskId: 'spam', status: 'active', scope: { kind: 'user', userId: 'bob' } }, { limit: 1 })).items[0];
    assert.ok(own, 'bob has an active model of his own');
    assert.match(await page.getByTestId('own-model').innerText(), new RegExp(`#${own.id}`));
    await app.shoot(page, 'inbox-own-model');

    // Nothing is lost on reload: labels come back from the API, predictions from the log.
    await app.rendered(page, () => page.reload());
    for (const id of chosen) {
      assert.equal(await page.locator(`article[data-document-id="${id}"]`).getByRole('button', { name: `Mark ${truth.get(id)}` }).getAttribute('aria-pressed'), 'true');
    }
    await page.close();

    // The admin sees the same feedback on the model's page: the live window and its chart.
    const admin = await app.page();
    await app.signIn(admin, app.tokens.admin);
    await admin.goto(`${app.url}/#/models/${global.id}`);
    await admin.getByTestId('live-summary').getByText(/^8 feedbacks in the count window/).waitFor();
    await admin.locator('figure', { hasText: 'Live macro precision' }).locator('canvas').waitFor();
    const cells = (await admin.getByTestId('confusion-live').locator('tbody td').allInnerTexts()).map(Number);
    assert.equal(cells.length, 4);
    assert.equal(cells.reduce((a, b) => a + b, 0), 8, 'the live confusion matrix counts the eight feedbacks');
    assert.deepEqual(await admin.getByTestId('confusion-live').locator('tbody th').allInnerTexts(), ['ham', 'spam']);
    await app.shoot(admin, 'model-live');
    await admin.close();
  });
});
