// A viewer sees no run button, and the controls they may not use say why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mendForFile } from './harness.mjs';

const mend = mendForFile({ agents: ['web-01'], users: { vera: 'viewer' } });

test('a viewer sees no run button', async () => {
  const page = await mend.signIn('vera', '#/tasks');
  await page.waitForSelector('#task-list');
  assert.match(await page.textContent('nav .who'), /viewer/);
  assert.equal(await page.$('#new-task'), null);
  await page.goto(mend.url + '/#/tasks/new');
  const run = await page.waitForSelector('#run');
  assert.equal(await run.isDisabled(), true);
  assert.match(await run.getAttribute('title'), /needs permission task\.run_adhoc/);
  // What the page hides, the server refuses too.
  const csrf = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()).then((s) => s.csrf_token));
  const refused = await page.evaluate(
    (csrf) =>
      fetch('/ibex/v1/tasks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ title: 't', account: 'root', script: 'id', creator: 'vera', action: 'start', hosts: ['web-01'] }),
      }).then((r) => r.status),
    csrf,
  );
  assert.equal(refused, 403);
  // A dry run changes nothing: a viewer may ask what the rules would decide.
  const dry = await page.evaluate(
    (csrf) =>
      fetch('/api/v1/heal/dry-run?source=generic', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ labels: { alertname: 'DiskFull', host: 'web-01' }, status: 'firing' }),
      }).then((r) => r.status),
    csrf,
  );
  assert.equal(dry, 200);
});
