// Sign in through the page, land on the overview, and see the live agent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, startMend } from './harness.mjs';
import { shot } from './shots.mjs';

let mend, browser;
before(async () => {
  mend = await startMend({ agents: ['web-01'], serverArgs: ['--basic-auth', 'admin:s3cret'], authHeaders: { Authorization: 'Basic ' + btoa('admin:s3cret') } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await mend?.stop();
});

test('sign in, then the overview shows the connected agent', async () => {
  const page = await browser.newPage();
  await page.goto(mend.url + '/#/agents');
  await page.waitForSelector('form input[name=user]');
  await shot(page, 'signin');
  await page.fill('input[name=user]', 'admin');
  await page.fill('input[name=password]', 'wrong');
  await page.click('button[type=submit]');
  await page.waitForSelector('.error');
  await page.fill('input[name=password]', 's3cret');
  await page.click('button[type=submit]');
  // Back to where the user was going.
  await page.waitForURL(/#\/agents/);
  await page.goto(mend.url + '/#/');
  await page.waitForFunction(() => document.querySelector('#tile-agents b')?.textContent === '1');
  assert.match(await page.textContent('nav .who'), /admin/);
  await shot(page, 'overview');
});
