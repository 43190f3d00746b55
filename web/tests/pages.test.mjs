// Every page opens with data and no error, API errors show as messages, and
// a page of another server version's missing API says so; screenshots of
// each for docs/console.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mendForFile } from './harness.mjs';
import { shot } from './shots.mjs';

const mend = mendForFile({ agents: ['web-01', 'web-02', 'db-01'], labels: { 'db-01': ['env=prod', 'team=db'] } }, async (mend) => {
  for (let i = 0; i < 3; i++) await mend.startTask({ title: `rotate logs ${i}`, script: 'echo rotated', creator: i ? 'alice' : 'bob', hosts: ['web-01', 'web-02'] });
  await mend.api('POST', '/api/v1/templates', { name: 'restart-nginx', title: 'Restart nginx', account: 'root', script: '#!/bin/sh\nsystemctl restart nginx\n' });
  await mend.api('POST', '/api/v1/heal-rules', { name: 'nginx-down', matchers: ['alertname="NginxDown"'], template: 'restart-nginx' });
  // An alert in Mend's own form (POST /api/v1/alerts): the rule runs its template on web-01.
  const alert = await mend.api('POST', '/api/v1/alerts', { labels: { alertname: 'NginxDown', instance: 'web-01:9100' }, status: 'firing' });
  assert.equal(alert.status, 200, alert.text);
});

test('the pages show their data', async () => {
  const page = await mend.signIn('admin', '#/tasks');
  // Three by hand, one by the remediation.
  await page.waitForFunction(() => document.querySelectorAll('#task-list tbody tr').length === 4);
  await shot(page, 'tasks');
  await page.fill('input[name=creator]', 'bob');
  await page.click('form.filters button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#task-list tbody tr').length === 1);

  await page.goto(mend.url + '/#/agents');
  await page.waitForFunction(() => document.querySelectorAll('#agents tbody tr').length === 3);
  // Labels as the agent reported them, one chip each; an agent without any shows none.
  const chips = await page.$$eval('#agents tr[data-agent="db-01"] .agent-labels code.label', (els) => els.map((e) => e.textContent));
  assert.deepEqual(chips, ['env=prod', 'team=db']);
  assert.equal(await page.$$eval('#agents tr[data-agent="web-01"] .agent-labels code.label', (els) => els.length), 0);
  await shot(page, 'agents');

  await page.goto(mend.url + '/#/remediations');
  await page.waitForFunction(() => /ran/.test(document.querySelector('#records tbody')?.textContent ?? ''));
  await shot(page, 'remediations');

  await page.goto(mend.url + '/#/');
  await page.waitForFunction(() => document.querySelector('#tile-remediations b')?.textContent === '1');
  assert.equal(await page.$('.error'), null);

  await page.goto(mend.url + '/#/audit');
  await page.waitForSelector('#audit');
  await shot(page, 'audit');
  await page.goto(mend.url + '/#/users');
  await page.waitForSelector('#user-list tr[data-user=admin]');
});

test('an API error is a message, not a blank page', async () => {
  const page = await mend.signIn('admin', '#/tasks/424242');
  const err = await page.waitForSelector('.error');
  assert.match(await err.textContent(), /404.*no such task/);
});
