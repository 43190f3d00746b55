// Sign in through the page with the session API, land where the user was
// going; the cookie is HttpOnly and SameSite=Strict; an expired session goes
// to sign-in and back; signing out ends the session on the server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN_PASSWORD, mendForFile } from './harness.mjs';
import { shot } from './shots.mjs';

const mend = mendForFile({ agents: ['web-01'] });

test('sign in, then the overview shows the connected agent', async () => {
  const context = await mend.browser.newContext();
  const page = await context.newPage();
  await page.goto(mend.url + '/#/agents');
  await page.waitForSelector('form input[name=user]');
  await shot(page, 'signin');
  await page.fill('input[name=user]', 'admin');
  await page.fill('input[name=password]', 'wrong');
  await page.click('button[type=submit]');
  await page.waitForSelector('.error');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('button[type=submit]');
  // Back to where the user was going.
  await page.waitForURL(/#\/agents/);
  await page.waitForSelector('#agents tbody tr');
  const [cookie] = (await context.cookies()).filter((c) => c.name === 'mend_session');
  assert.ok(cookie, 'a mend_session cookie');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  await page.goto(mend.url + '/#/');
  await page.waitForFunction(() => document.querySelector('#tile-agents b')?.textContent === '1');
  assert.match(await page.textContent('nav .who'), /admin/);
  await shot(page, 'overview');

  // The session ends (here: the cookie is gone): the next call goes to
  // sign-in, and signing in comes back to the page.
  await context.clearCookies();
  await page.goto(mend.url + '/#/tasks');
  await page.waitForSelector('form input[name=user]');
  assert.match(page.url(), /#\/signin\?next=/);
  await page.fill('input[name=user]', 'admin');
  await page.fill('input[name=password]', ADMIN_PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/#\/tasks$/);
  await page.waitForSelector('#task-list');

  // Signing out ends the session on the server, not only in the page.
  const value = (await context.cookies()).find((c) => c.name === 'mend_session').value;
  await page.click('nav .who button');
  await page.waitForSelector('form input[name=user]');
  const after = await mend.api('GET', '/api/v1/session', undefined, { Cookie: `mend_session=${value}` });
  assert.equal(after.status, 401);
  await context.close();
});
