// A viewer sees no run button, and the controls they may not use say why.
// Needs a server with roles (--basic-auth-role); skipped on one without.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, launchBrowser, startMend } from './harness.mjs';

const help = (() => {
  try {
    return execFileSync(join(BIN, 'mend-server'), ['--help'], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
  } catch (e) {
    return String(e.stdout ?? '');
  }
})();
const hasRoles = help.includes('--basic-auth-role');

let mend, browser;
before(async () => {
  if (!hasRoles) return;
  const auth = { Authorization: 'Basic ' + btoa('vera:viewpw') };
  mend = await startMend({ agents: ['web-01'], serverArgs: ['--basic-auth', 'vera:viewpw', '--basic-auth-role', 'viewer'], authHeaders: auth });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await mend?.stop();
});

test('a viewer sees no run button', { skip: !hasRoles && 'this mend-server has no roles' }, async () => {
  const page = await browser.newPage();
  await page.goto(mend.url + '/#/tasks');
  await page.fill('input[name=user]', 'vera');
  await page.fill('input[name=password]', 'viewpw');
  await page.click('button[type=submit]');
  await page.waitForSelector('#task-list');
  assert.match(await page.textContent('nav .who'), /viewer/);
  assert.equal(await page.$('#new-task'), null);
  await page.goto(mend.url + '/#/tasks/new');
  const run = await page.waitForSelector('#run');
  assert.equal(await run.isDisabled(), true);
  assert.match(await run.getAttribute('title'), /needs permission task\.run_adhoc/);
});
