// Every page opens with data and no error, API errors show as messages, and
// a page of another server version's missing API says so; screenshots of
// each for docs/console.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, signedInPage, startMend } from './harness.mjs';
import { shot } from './shots.mjs';

let mend, browser;
before(async () => {
  mend = await startMend({ agents: ['web-01', 'web-02', 'db-01'], labels: { 'db-01': ['env=prod', 'team=db'] } });
  for (let i = 0; i < 3; i++)
    await mend.api('POST', '/ibex/v1/tasks', {
      title: `rotate logs ${i}`,
      account: 'root',
      script: 'echo rotated',
      creator: i ? 'alice' : 'bob',
      action: 'start',
      hosts: ['web-01', 'web-02'],
    });
  await mend.api('POST', '/api/v1/templates', { name: 'restart-nginx', title: 'Restart nginx', account: 'root', script: '#!/bin/sh\nsystemctl restart nginx\n' });
  await mend.api('POST', '/api/v1/heal-rules', { name: 'nginx-down', matchers: ['alertname="NginxDown"'], template: 'restart-nginx' });
  await mend.api('POST', '/api/v1/alerts/alertmanager', {
    version: '4',
    status: 'firing',
    receiver: 'mend',
    groupKey: '{}',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'NginxDown', instance: 'web-01:9100' },
        annotations: {},
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        fingerprint: 'a1',
      },
    ],
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await mend?.stop();
});

test('the pages show their data', async () => {
  const page = await signedInPage(browser, mend, 'admin', '#/tasks');
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
  const page = await signedInPage(browser, mend, 'admin', '#/tasks/424242');
  const err = await page.waitForSelector('.error');
  assert.match(await err.textContent(), /404.*no such task/);
});
