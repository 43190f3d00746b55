// Users, tokens and groups administered in the browser: a user created with a
// role signs in and meets that role's limits; a group granted to them; an API
// token created (its secret shown once, and working) and revoked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirm, mendForFile, submit } from './harness.mjs';
import { shot } from './shots.mjs';

const mend = mendForFile({ agents: [] });
let admin;
const bearer = (token) => ({ Authorization: 'Bearer ' + token });

test('admin creates a user with a role; the user signs in with its limits', async () => {
  admin = await mend.signIn('admin', '#/users');
  await admin.waitForSelector('#user-list tr[data-user=admin]');
  await admin.waitForSelector('#new-user select[name=role] option[value=operator]', { state: 'attached' });
  // The server's problem lands at its field.
  await submit(admin, { '#new-user input[name=name]': 'vic', '#new-user select[name=role]': 'viewer', '#new-user input[name=password]': 'short' }, '#create-user');
  const err = await admin.waitForSelector('#new-user .field-error[data-field=password]');
  assert.match(await err.textContent(), /at least 10 characters/);
  await submit(admin, { '#new-user input[name=password]': 'vic-password' }, '#create-user');
  await admin.waitForSelector('#user-list tr[data-user=vic]');
  // A name taken: said at the name.
  await submit(admin, { '#new-user input[name=name]': 'vic', '#new-user input[name=password]': 'vic-password' }, '#create-user');
  assert.match(await (await admin.waitForSelector('#new-user .field-error[data-field=name]')).textContent(), /exists/);
  const users = await mend.api('GET', '/api/v1/users');
  assert.equal(users.json.dat.find((u) => u.name === 'vic').role, 'viewer');

  const vic = await mend.signIn('vic', '#/tasks');
  assert.match(await vic.textContent('nav .who'), /vic.*viewer/);
  await vic.waitForSelector('#task-list');
  assert.equal(await vic.$('#new-task'), null);
  assert.equal(await vic.$('nav a[href="#/users"]'), null);
  await vic.goto(mend.url + '/#/users');
  const create = await vic.waitForSelector('#create-user');
  assert.equal(await create.isDisabled(), true);
  assert.match(await create.getAttribute('title'), /needs permission user\.manage \(vic is viewer\)/);

  // A new role ends the user's sessions.
  await admin.selectOption('#user-list tr[data-user=vic] select[name=role]', 'operator');
  await confirm(admin);
  await admin.waitForFunction(() => document.querySelector('#user-list tr[data-user=vic] select[name=role]')?.value === 'operator');
  const changed = await mend.api('GET', '/api/v1/users');
  assert.equal(changed.json.dat.find((u) => u.name === 'vic').role, 'operator');
  await vic.reload();
  await vic.waitForSelector('form input[name=user]');
  await vic.context().close();
});

test('admin creates a group and grants a user access to it', async () => {
  await submit(admin, { '#new-group input[name=group-name]': 'web', '#new-group input[name=hosts]': 'web-* db-01' }, '#create-group');
  await admin.waitForSelector('#grants h3:has-text("Grants of group web")');
  await submit(admin, { '#grants select[name=grant-user]': 'vic', '#grants select[name=access]': 'write' }, '#grant');
  await admin.waitForSelector('#grant-list tr[data-grant=vic]');
  const grants = await mend.api('GET', '/api/v1/groups/web/grants');
  assert.deepEqual(grants.json.dat, [{ group: 'web', user: 'vic', access: 'write' }]);
  const group = await mend.api('GET', '/api/v1/groups/web');
  assert.deepEqual(group.json.dat.hosts, ['web-*', 'db-01']);

  // The label selector is edited in place; a bad one is refused at its field.
  await admin.fill('#group-list form[data-selector=web] input[name=labels]', 'env');
  await admin.click('#group-list form[data-selector=web] button[type=submit]');
  await admin.waitForSelector('#group-list form[data-selector=web] :text("expected key=value")');
  assert.equal((await mend.api('GET', '/api/v1/groups/web')).json.dat.labels, '');
  await admin.fill('#group-list form[data-selector=web] input[name=labels]', 'team=db, env=prod');
  await admin.click('#group-list form[data-selector=web] button[type=submit]');
  await admin.waitForFunction(() => document.querySelector('#group-list form[data-selector=web] input')?.value === 'env=prod,team=db');
  assert.equal((await mend.api('GET', '/api/v1/groups/web')).json.dat.labels, 'env=prod,team=db');

  // The user sees their access.
  const vic = await mend.signIn('vic', '#/users');
  const cell = await vic.waitForSelector('#group-list tr[data-group=web] td:nth-child(5)');
  assert.equal(await cell.textContent(), 'write');
  await vic.context().close();
});

test('admin creates a token for a user, whose secret works once shown, and revokes it', async () => {
  await admin.click('#user-list tr[data-user=vic] button:has-text("Tokens")');
  await admin.waitForSelector('#tokens h3:has-text("API tokens of vic")');
  await submit(admin, { '#tokens input[name=token-name]': 'ci', '#tokens input[name=scopes]': 'task.read' }, '#create-token');
  const secret = (await (await admin.waitForSelector('#new-token pre')).textContent()).trim();
  await admin.waitForSelector('#token-list tr[data-token=ci] .s-active');
  await shot(admin, 'users');
  const ok = await mend.api('GET', '/api/v1/session', undefined, bearer(secret));
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.user, 'vic');
  assert.deepEqual(ok.json.permissions, ['task.read']);
  // Shown once: the list has only its prefix.
  const list = await mend.api('GET', '/api/v1/users/vic/tokens');
  assert.equal(list.text.includes(secret), false);

  await admin.click('#token-list tr[data-token=ci] button:has-text("Revoke")');
  await confirm(admin);
  await admin.waitForSelector('#token-list tr[data-token=ci] .s-revoked');
  assert.equal((await mend.api('GET', '/api/v1/session', undefined, bearer(secret))).status, 401);

  // Disabled: the password no longer signs in.
  await admin.click('#user-list tr[data-user=vic] button:has-text("Disable")');
  await confirm(admin);
  await admin.waitForSelector('#user-list tr[data-user=vic] .s-disabled');
  const refused = await mend.api('POST', '/api/v1/session', { user: 'vic', password: 'vic-password' }, {});
  assert.equal(refused.status, 401);
});
