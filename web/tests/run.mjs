// ctest's entry for the browser tests: every *.test.mjs here under node's
// test runner, or exit 77 (skipped) when there is no Chromium to drive.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM } from './harness.mjs';

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} not found: the browser tests need Debian's chromium (bash scripts/install-deps.sh test)`);
  process.exit(77);
}
const only = process.argv.slice(2);
const files = readdirSync(import.meta.dirname)
  .filter((f) => f.endsWith('.test.mjs') && (!only.length || only.some((o) => f.includes(o))))
  .map((f) => join(import.meta.dirname, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
