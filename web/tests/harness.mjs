// What the browser tests run against: a real mend-server (SQLite in a
// temporary directory, 127.0.0.1 port 0, --auth on with a known admin
// password) with real mend-agents, and Debian's Chromium driven by
// playwright-core. MEND_BIN names the build directory.
//
// A server is plain HTTP (--no-tls) unless asked for TLS: then it runs as it
// does by default, with a certificate from Mend's own CA, which the test's
// API calls verify (ca.pem from --ca-out) and the browser accepts
// (ignoreHTTPSErrors: Chromium has no way to add a CA without a profile's
// NSS database).
//
// Runs on Node.js 18 (Debian 12's) and later.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.MEND_BIN ?? join(here, '../../build-asan');
export const CHROMIUM = process.env.MEND_CHROMIUM ?? '/usr/bin/chromium';
export const ADMIN_PASSWORD = 'console-admin-password';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export const basic = (user, password) => ({ Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

// One HTTP(S) request; https verifies the server against `ca`.
function request(url, { method = 'GET', headers = {}, body, ca } = {}) {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, { method, headers, ca }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// A server and its agents; stop() ends them and removes the directory.
// `users`: {name: role} created with password `${name}-password`.
// labels: ident -> ['key=value', ...] that agent reports (--label).
export async function startMend({ agents = ['web-01'], labels = {}, serverArgs = [], rules = null, tls = false, users = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mend-console-'));
  const procs = [];
  const token = 'console-test-token';
  const ready = join(dir, 'ready');
  const ca = join(dir, 'ca.pem');
  writeFileSync(join(dir, 'admin-password'), ADMIN_PASSWORD);
  const args = [
    '--http', '127.0.0.1:0',
    '--db', `sqlite:${join(dir, 'mend.db')}`,
    '--agent-token', token,
    '--ready-file', ready,
    '--auth', 'on',
    '--admin-password-file', join(dir, 'admin-password'),
    ...(tls ? ['--ca-out', ca] : ['--no-tls']),
    ...serverArgs,
  ];
  if (rules) {
    writeFileSync(join(dir, 'rules.yaml'), rules);
    args.push('--rules', join(dir, 'rules.yaml'));
  }
  const env = { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0' };
  const server = spawn(join(BIN, 'mend-server'), args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const serverLog = [];
  server.stderr.on('data', (d) => serverLog.push(d.toString()));
  procs.push(server);
  const addr = await waitFor('mend-server to listen', () => {
    if (server.exitCode !== null) throw new Error(`mend-server exited ${server.exitCode}:\n${serverLog.join('')}`);
    return existsSync(ready) && readFileSync(ready, 'utf8').trim().split('\n')[0];
  });
  const url = `${tls ? 'https' : 'http'}://${addr}`;
  const caPem = tls ? readFileSync(ca) : undefined;
  for (const ident of agents) {
    const a = spawn(
      join(BIN, 'mend-agent'),
      [
        '--server', url, ...(tls ? ['--cacert', ca] : []), '--ident', ident, '--token', token, '--spool', join(dir, 'spool-' + ident),
        ...(labels[ident] ?? []).flatMap((l) => ['--label', l]),
      ],
      { stdio: 'ignore', env },
    );
    procs.push(a);
  }
  const admin = basic('admin', ADMIN_PASSWORD);
  const mend = {
    url,
    dir,
    tls,
    log: () => serverLog.join(''),
    // A call as admin (basic auth, so no CSRF token is needed), or as `headers` say.
    async api(method, path, body, headers = admin) {
      const res = await request(url + path, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        ca: caPem,
      });
      let json = null;
      try {
        json = JSON.parse(res.text);
      } catch {}
      return { status: res.status, headers: res.headers, json, text: res.text };
    },
    // Reads a server-sent event stream until `until(text)` holds.
    async readStream(path, until, headers = admin, timeoutMs = 20000) {
      const u = new URL(url + path);
      const lib = u.protocol === 'https:' ? https : http;
      return new Promise((resolve, reject) => {
        let text = '';
        const req = lib.request(u, { headers: { Accept: 'text/event-stream', ...headers }, ca: caPem }, (res) => {
          res.setEncoding('utf8');
          res.on('data', (d) => {
            text += d;
            if (until(text)) {
              clearTimeout(timer);
              req.destroy();
              resolve({ status: res.statusCode, headers: res.headers, text });
            }
          });
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
        });
        const timer = setTimeout(() => {
          req.destroy();
          reject(new Error(`stream ${path}: timed out; got ${JSON.stringify(text.slice(-500))}`));
        }, timeoutMs);
        req.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
        req.end();
      });
    },
    // An Ibex task (POST /ibex/v1/tasks, as root): its id.
    async startTask({ title, script, hosts, action = 'start', creator = 'test' }) {
      const r = await mend.api('POST', '/ibex/v1/tasks', { title, account: 'root', script, creator, action, hosts });
      if (r.status !== 200) throw new Error(`cannot create task ${title}: ${r.status} ${r.text}`);
      return r.json.dat;
    },
    // An agent the test starts itself with `args` (its spool is given here),
    // stopped with the rest; log() is what it printed.
    startAgent(ident, args) {
      const p = spawn(join(BIN, 'mend-agent'), [...args, '--spool', join(dir, 'spool-' + ident)], { stdio: ['ignore', 'ignore', 'pipe'], env });
      const log = [];
      p.stderr.on('data', (d) => log.push(d.toString()));
      procs.push(p);
      return { log: () => log.join('') };
    },
    async stop() {
      for (const p of procs.reverse()) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const [name, role] of Object.entries(users)) {
    const r = await mend.api('POST', '/api/v1/users', { name, role, password: `${name}-password` });
    if (r.status !== 200) throw new Error(`cannot create user ${name}: ${r.status} ${r.text}`);
  }
  if (agents.length)
    await waitFor('agents to connect', async () => {
      const r = await mend.api('GET', '/api/v1/agents');
      return Array.isArray(r.json?.dat) && r.json.dat.length >= agents.length;
    });
  return mend;
}

async function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine has no network beyond loopback: without these Chromium
    // keeps trying Google's services at every start.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

// What a test file runs against: startMend(options), then `setup(mend)`,
// and a browser, before the file's tests; both stopped after them. The Mend
// returned is filled in by then, with `browser` and signIn(user, hash): a
// page of its own (own cookies), signed in through the sign-in page as `user`
// (password `${user}-password`, or admin's), ending on `hash`.
export function mendForFile(options = {}, setup = async () => {}) {
  const mend = {};
  before(async () => {
    Object.assign(mend, await startMend(options));
    await setup(mend);
    mend.browser = await launchBrowser();
  });
  after(async () => {
    await mend.browser?.close();
    await mend.stop?.();
  });
  mend.signIn = async (user, hash = '#/') => {
    const context = await mend.browser.newContext({ ignoreHTTPSErrors: mend.tls });
    const page = await context.newPage();
    await page.goto(`${mend.url}/${hash}`);
    await page.waitForSelector('form input[name=user]');
    await page.fill('input[name=user]', user);
    await page.fill('input[name=password]', user === 'admin' ? ADMIN_PASSWORD : `${user}-password`);
    await page.click('button[type=submit]');
    await page.waitForSelector('nav .who');
    return page;
  };
  return mend;
}

// Fills a form's fields (selector: value; a <select> gets its option chosen)
// and clicks `button`.
export async function submit(page, fields, button) {
  for (const [selector, value] of Object.entries(fields)) {
    const field = page.locator(selector);
    if ((await field.evaluate((e) => e.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.click(button);
}

// Answers the page's confirmation dialog: confirmed.
export const confirm = (page) => page.click('.modal button.primary');

export { sleep, waitFor };
