// Edit a heal rule and see the server's error for a bad matcher at its line;
// dry-run an alert against every rule.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mendForFile, submit } from './harness.mjs';
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

const mend = mendForFile({ agents: ['web-01'], rules: RULES, users: { olga: 'operator' } }, async (mend) => {
  const r = await mend.api('POST', '/api/v1/heal-rules', {
    name: 'nginx-down',
    matchers: ['alertname="NginxDown"', 'severity=~"critical|page"'],
    template: 'restart-nginx',
    cooldown: '5m',
  });
  assert.equal(r.status, 200, r.text);
});

test('a bad matcher is shown at its line', async () => {
  const page = await mend.signIn('olga', '#/rules');
  await page.waitForSelector('#rule-list a');
  await shot(page, 'rules');
  await page.click('#rule-list a:text("nginx-down")');
  await page.waitForSelector('textarea[name=matchers]');
  await submit(page, { 'textarea[name=matchers]': 'alertname="NginxDown"\nseverity~"critical"' }, '#save-rule');
  const err = await page.waitForSelector('.field-error[data-line="2"]');
  assert.match(await err.textContent(), /severity/);
  await shot(page, 'rule-error');
  // Fixed, it saves.
  await submit(page, { 'textarea[name=matchers]': 'alertname="NginxDown"\nseverity=~"critical|warning"' }, '#save-rule');
  await page.waitForSelector('#saved');
  const rule = await mend.api('GET', '/api/v1/heal-rules/nginx-down');
  assert.deepEqual(rule.json.dat.matchers, ['alertname="NginxDown"', 'severity=~"critical|warning"']);
});

test('dry-run an alert: every rule and what it would decide, nothing run', async () => {
  const page = await mend.signIn('olga', '#/rules?tab=dryrun');
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

// Opens a new rule's or template's editor with `button`, fills in `fields`
// and saves it: what the server has at `path` then.
async function create(page, button, fields, save, path) {
  await page.click(button);
  await submit(page, fields, save);
  await page.waitForSelector('#saved');
  const made = await mend.api('GET', path);
  assert.equal(made.status, 200, made.text);
  return made.json.dat;
}

// "New rule" and "New template" once set an empty `edit=`, which the query
// helper dropped: the list stayed and no editor opened.
test('New rule and New template open their editors and save', async () => {
  const page = await mend.signIn('olga', '#/rules');
  const fields = { 'input[name=name]': 'load-high', 'textarea[name=matchers]': 'alertname="LoadHigh"', 'select[name=template]': 'restart-nginx' };
  const rule = await create(page, '#new-rule', fields, '#save-rule', '/api/v1/heal-rules/load-high');
  assert.deepEqual(rule.matchers, ['alertname="LoadHigh"']);

  await page.goto(mend.url + '/#/rules?tab=templates');
  const template = { 'input[name=name]': 'say-hello', 'input[name=title]': 'Say hello', 'textarea[name=script]': '#!/bin/sh\necho hello\n' };
  const tpl = await create(page, '#new-template', template, '#save-template', '/api/v1/templates/say-hello');
  assert.match(tpl.script, /echo hello/);
});
