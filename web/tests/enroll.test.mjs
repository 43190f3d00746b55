// Enrolling a host from the Agents page: a join token made in the page, the
// mend-agent command it shows run as shown, the agent connected with its own
// certificate; then revoked in the page, it drops and stays out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirm, mendForFile, submit, waitFor } from './harness.mjs';
import { shot } from './shots.mjs';

// TLS: a certificate is what a join token buys.
const mend = mendForFile({ agents: [], tls: true, users: { olga: 'operator' } });

test('enroll a host with a join token from the page, then revoke it', async () => {
  const page = await mend.signIn('admin', '#/agents');
  await submit(page, { '#enroll input[name=host]': 'web-07' }, '#create-join-token');
  const command = (await (await page.waitForSelector('#agent-command')).textContent()).trim();
  const token = (await page.textContent('#join-token pre.token')).trim();
  assert.equal(command, `mend-agent --server ${mend.url} --join-token ${token} --ident web-07`);
  assert.match(token, /^mendjoin1\./);
  await page.waitForSelector('#join-tokens td:has-text("web-07")');

  const agent = mend.startAgent('web-07', command.split(' ').slice(1));
  await page.waitForSelector('#agents tr[data-agent=web-07] .s-enrolled', { timeout: 30000 });
  await shot(page, 'enroll');

  await page.click('#agents tr[data-agent=web-07] button:has-text("Revoke")');
  await confirm(page);
  assert.match(await (await page.waitForSelector('#revoked')).textContent(), /web-07: 1 certificate revoked, connection closed/);
  await page.waitForSelector('#agents tr[data-agent=web-07]', { state: 'detached' });
  // It tries again and is refused.
  await waitFor('the agent to be refused', () => /is revoked/.test(agent.log()), 20000);
  const agents = await mend.api('GET', '/api/v1/agents');
  assert.equal(agents.json.dat.some((a) => a.ident === 'web-07'), false);
});

test('a join token revoked in the page enrolls no one', async () => {
  const page = await mend.signIn('admin', '#/agents');
  await submit(page, { '#enroll input[name=host]': 'web-08' }, '#create-join-token');
  const token = (await (await page.waitForSelector('#join-token pre.token')).textContent()).trim();
  const row = '#join-tokens tr:has(td:has-text("web-08"))';
  await page.click(`${row} button:has-text("Revoke")`);
  await confirm(page);
  await page.waitForSelector(`${row} .s-expired`);
  const refused = await mend.api('POST', '/api/v1/agent/enroll', { token, host: 'web-08', csr: 'unused' });
  assert.equal(refused.status, 401, refused.text);
  assert.match(refused.text, /expired/);
});

test('an operator may neither enroll nor revoke, and is told why', async () => {
  const page = await mend.signIn('olga', '#/agents');
  const create = await page.waitForSelector('#create-join-token');
  assert.equal(await create.isDisabled(), true);
  assert.match(await create.getAttribute('title'), /needs permission agent\.enroll \(olga is operator\)/);
  assert.equal(await page.$('#join-tokens'), null);
});
