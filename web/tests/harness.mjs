// What the browser tests run against: a real mend-server (SQLite in a
// temporary directory, port 0) with real mend-agents, and Debian's Chromium
// driven by playwright-core. MEND_BIN names the build directory.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const BIN = process.env.MEND_BIN ?? join(import.meta.dirname, '../../build-asan');
export const CHROMIUM = process.env.MEND_CHROMIUM ?? '/usr/bin/chromium';

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

// A server and its agents; stop() ends them and removes the directory.
export async function startMend({ agents = ["web-01"], serverArgs = [], rules = null, authHeaders = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mend-console-'));
  const procs = [];
  const token = 'console-test-token';
  const ready = join(dir, 'ready');
  const args = ['--http', '127.0.0.1:0', '--db', `sqlite:${join(dir, 'mend.db')}`, '--agent-token', token, '--ready-file', ready, ...serverArgs];
  if (rules) {
    writeFileSync(join(dir, 'rules.yaml'), rules);
    args.push('--rules', join(dir, 'rules.yaml'));
  }
  const env = { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0' };
  const server = spawn(join(BIN, 'mend-server'), args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  const serverLog = [];
  server.stderr.on('data', (d) => serverLog.push(d.toString()));
  procs.push(server);
  const addr = await waitFor('mend-server to listen', () => existsSync(ready) && readFileSync(ready, 'utf8').trim());
  const url = `http://${addr}`;
  for (const ident of agents) {
    const a = spawn(join(BIN, 'mend-agent'), ['--server', url, '--ident', ident, '--token', token, '--spool', join(dir, 'spool-' + ident)], {
      stdio: 'ignore',
      env,
    });
    procs.push(a);
  }
  const mend = {
    url,
    dir,
    log: () => serverLog.join(''),
    async api(method, path, body, headers = authHeaders) {
      const res = await fetch(url + path, {
        method,
        headers: { 'Content-Type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {}
      return { status: res.status, json, text };
    },
    async stop() {
      for (const p of procs.reverse()) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => p.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  if (agents.length)
    await waitFor('agents to connect', async () => {
      const r = await mend.api("GET", "/api/v1/agents", undefined, authHeaders);
      return Array.isArray(r.json?.dat) && r.json.dat.length >= agents.length;
    });
  return mend;
}

export async function launchBrowser() {
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

export { sleep, waitFor };
