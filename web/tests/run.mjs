// ctest's entry for the browser tests: every *.test.mjs here (or those whose
// name contains an argument) under node's test runner, one file at a time
// (each starts its own servers and browser), or exit 77 (skipped) when there
// is no Chromium to drive. Prints how long each file took.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from './harness.mjs';

if (!existsSync(CHROMIUM)) {
  console.log(`${CHROMIUM} not found: the browser tests need Debian's chromium (bash scripts/install-deps.sh test)`);
  process.exit(77);
}
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs') && (!only.length || only.some((o) => f.includes(o))))
  .sort();
let failed = 0;
const started = Date.now();
for (const f of files) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--test', join(here, f)], { stdio: 'inherit' });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(`console-browser ${f}: ${r.status === 0 ? 'passed' : 'FAILED'} in ${s} s`);
  if (r.status !== 0) failed++;
}
console.log(`console-browser: ${files.length - failed}/${files.length} files passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
