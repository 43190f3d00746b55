// Run a task from the New task page and watch its output arrive live; kill a
// running host from the task page. Over TLS, as mend-server runs by default:
// the output stream (server-sent events) and the session cookie (Secure)
// go through the TLS listener, signed in as an operator.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirm, mendForFile } from './harness.mjs';
import { metric, shot } from './shots.mjs';

const mend = mendForFile({ agents: ['web-01', 'web-02'], tls: true, users: { olga: 'operator' } });

test('run a task and see its output arrive line by line', async () => {
  const page = await mend.signIn('olga', '#/tasks/new');
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'mend_session');
  assert.equal(cookie.secure, true);
  await page.waitForSelector('#host-picker input[data-ident=web-01]');
  await page.fill('input[name=title]', 'live output');
  // Each line carries the time it was printed; the page notes when it shows it.
  await page.fill(
    'textarea[name=script]',
    '#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8; do sleep 0.4; echo "mark $i $(date +%s%3N)"; done\necho done >&2\n',
  );
  await page.check('#host-picker input[data-ident=web-01]');
  await shot(page, 'new-task');
  await page.click('#run');
  await page.waitForURL(/#\/tasks\/\d+$/);
  await page.click('#hosts [data-host=web-01]');
  await page.waitForSelector('#stdout');
  await page.evaluate(() => {
    const seen = (window.__seen = {});
    // Lines already shown when the page started watching are not measured.
    for (const m of document.querySelector('#stdout').textContent.matchAll(/mark (\d+) (\d+)/g)) seen[m[1]] = null;
    new MutationObserver(() => {
      for (const m of document.querySelector('#stdout').textContent.matchAll(/mark (\d+) (\d+)/g))
        if (!(m[1] in seen)) seen[m[1]] = Date.now() - Number(m[2]);
    }).observe(document.querySelector('#stdout'), { childList: true, subtree: true, characterData: true });
  });
  await page.waitForFunction(() => /mark 8/.test(document.querySelector('#stdout').textContent), null, { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('#output .status')?.textContent === 'success', null, { timeout: 30000 });
  assert.match(await page.textContent('#stderr'), /done/);
  // The host's row in the list shows how its script ended.
  await page.waitForFunction(
    () => /exit 0/.test(document.querySelector('#hosts [data-host=web-01]')?.textContent ?? ''),
    null,
    { timeout: 30000 },
  );
  const seen = await page.evaluate(() => window.__seen);
  // The lines that arrived while the page watched (the first may predate it).
  const lat = Object.values(seen).filter((v) => v !== null).sort((a, b) => a - b);
  assert.ok(lat.length >= 5, `saw ${lat.length} lines live`);
  metric('script_line_to_visible_median', lat[Math.floor(lat.length / 2)], 'ms');
  metric('script_line_to_visible_max', lat[lat.length - 1], 'ms');
  await shot(page, 'task');
});

test('kill a running host', async () => {
  const id = await mend.startTask({ title: 'long one', script: 'echo started; sleep 300', hosts: ['web-02'] });
  const page = await mend.signIn('olga', `#/tasks/${id}?host=web-02`);
  await page.waitForFunction(() => /started/.test(document.querySelector('#stdout')?.textContent ?? ''));
  await page.click('#host-kill');
  await confirm(page);
  await page.waitForFunction(() => document.querySelector('#output .status')?.textContent === 'killed', null, { timeout: 30000 });
  const task = await mend.api('GET', `/ibex/v1/task/${id}/result`);
  assert.deepEqual(task.json.dat.killed, ['web-02']);
  // The action is in the audit log under the operator's name.
  const audit = await mend.api('GET', '/api/v1/audit');
  assert.match(audit.text, /olga/);
});

test('the output stream over TLS: lines arrive while the script runs', async () => {
  const id = await mend.startTask({ title: 'stream', script: 'echo first; sleep 1; echo second; sleep 30', hosts: ['web-01'] });
  const got = await mend.readStream(`/api/v1/tasks/${id}/hosts/web-01/stream`, (t) => /second/.test(t));
  assert.equal(got.status, 200);
  assert.match(got.headers['content-type'], /text\/event-stream/);
  assert.match(got.text, /first[\s\S]*second/);
  await mend.api('PUT', `/ibex/v1/task/${id}/action`, { action: 'kill' });
});
