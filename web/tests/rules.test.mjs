// Edit a heal rule and see the server's error for a bad matcher at its line;
// dry-run an alert against every rule.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, signedInPage, startMend } from './harness.mjs';
import { shot } from './shots.mjs';

const RULES = `templates:
  restart-nginx:
    title: Restart nginx
    account: root
    script: |
      #!/bin/sh
      echo restarting nginx on $MEND_HOST
rules:
  - name: disk-full
    matchers: ['alertname="DiskFull"']
    template: restart-nginx
`;

let mend, browser;
before(async () => {
  mend = await startMend({ agents: ['web-01'], rules: RULES, users: { olga: 'operator' } });
  const r = await mend.api('POST', '/api/v1/heal-rules', {
    name: 'nginx-down',
    matchers: ['alertname="NginxDown"', 'severity=~"critical|page"'],
    template: 'restart-nginx',
    cooldown: '5m',
  });
  assert.equal(r.status, 200, r.text);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await mend?.stop();
});

test('a bad matcher is shown at its line', async () => {
  const page = await signedInPage(browser, mend, 'olga', '#/rules');
  await page.waitForSelector('#rule-list a');
  await shot(page, 'rules');
  await page.click('#rule-list a:text("nginx-down")');
  await page.waitForSelector('textarea[name=matchers]');
  await page.fill('textarea[name=matchers]', 'alertname="NginxDown"\nseverity~"critical"');
  await page.click('#save-rule');
  const err = await page.waitForSelector('.field-error[data-line="2"]');
  assert.match(await err.textContent(), /severity/);
  await shot(page, 'rule-error');
  // Fixed, it saves.
  await page.fill('textarea[name=matchers]', 'alertname="NginxDown"\nseverity=~"critical|warning"');
  await page.click('#save-rule');
  await page.waitForSelector('#saved');
  const rule = await mend.api('GET', '/api/v1/heal-rules/nginx-down');
  assert.deepEqual(rule.json.dat.matchers, ['alertname="NginxDown"', 'severity=~"critical|warning"']);
});

test('dry-run an alert: every rule and what it would decide, nothing run', async () => {
  const page = await signedInPage(browser, mend, 'olga', '#/rules?tab=dryrun');
  await page.waitForSelector('#dry-run');
  await page.click('#dry-run');
  const table = await page.waitForSelector('.dry-run-result');
  const text = await table.textContent();
  assert.match(text, /nginx-down ◀ decides/);
  assert.match(text, /disk-full/);
  assert.match(text, /ran/);
  await shot(page, 'dry-run');
  const records = await mend.api('GET', '/api/v1/heal/records');
  assert.equal(records.json.dat.list.length, 0);
  const tasks = await mend.api('GET', '/api/v1/tasks');
  assert.equal(tasks.json.dat.total, 0);
});

// "New rule" and "New template" once set an empty `edit=`, which the query
// helper dropped: the list stayed and no editor opened.
test('New rule and New template open their editors and save', async () => {
  const page = await signedInPage(browser, mend, 'olga', '#/rules');
  await page.click('#new-rule');
  await page.waitForSelector('textarea[name=matchers]');
  await page.fill('input[name=name]', 'load-high');
  await page.fill('textarea[name=matchers]', 'alertname="LoadHigh"');
  await page.selectOption('select[name=template]', 'restart-nginx');
  await page.click('#save-rule');
  await page.waitForSelector('#saved');
  const rule = await mend.api('GET', '/api/v1/heal-rules/load-high');
  assert.equal(rule.status, 200, rule.text);
  assert.deepEqual(rule.json.dat.matchers, ['alertname="LoadHigh"']);

  await page.goto(mend.url + '/#/rules?tab=templates');
  await page.click('#new-template');
  await page.waitForSelector('textarea[name=script]');
  await page.fill('input[name=name]', 'say-hello');
  await page.fill('input[name=title]', 'Say hello');
  await page.fill('textarea[name=script]', '#!/bin/sh\necho hello\n');
  await page.click('#save-template');
  await page.waitForSelector('#saved');
  const tpl = await mend.api('GET', '/api/v1/templates/say-hello');
  assert.equal(tpl.status, 200, tpl.text);
  assert.match(tpl.json.dat.script, /echo hello/);
});
