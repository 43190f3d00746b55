// Screenshots for docs/console/ when MEND_SCREENSHOTS names a directory
// (the tests take them only then, so a CI run changes no file).
import { join } from 'node:path';

export async function shot(page, name) {
  const dir = process.env.MEND_SCREENSHOTS;
  if (!dir) return;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(dir, name + '.png') });
}

// One measured figure: printed, and kept in MEND_CONSOLE_METRICS (a JSON
// lines file) when set.
import { appendFileSync } from 'node:fs';
export function metric(name, value, unit) {
  console.log(`console-metric ${name} = ${value} ${unit}`);
  if (process.env.MEND_CONSOLE_METRICS)
    appendFileSync(process.env.MEND_CONSOLE_METRICS, JSON.stringify({ name, value, unit, at: new Date().toISOString() }) + '\n');
}
