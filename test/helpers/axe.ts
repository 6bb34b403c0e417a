import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts that fail the check: what blocks or seriously hinders someone using the page. */
const BLOCKING = new Set(['serious', 'critical']);

interface AxeResults {
  violations: {
    id: string;
    impact: string | null;
    help: string;
    nodes: { target: unknown[]; failureSummary?: string }[];
  }[];
}

/**
 * Runs axe-core over the page as it stands (WCAG 2.2 A and AA rules plus axe's best practices)
 * and returns each serious or critical violation as one readable line: the rule, what it asks,
 * and the elements that break it. The source is evaluated through the browser's debugging
 * protocol, which the page's Content-Security-Policy does not govern, so the page is checked
 * under its real, strict policy.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.waitForLoadState('load');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(() =>
    (window as unknown as { axe: { run(context: Document, options: object): Promise<unknown> } }).axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
      resultTypes: ['violations'],
    }),
  )) as AxeResults;
  const where = new URL(page.url()).pathname;
  return results.violations
    .filter((violation) => BLOCKING.has(violation.impact ?? ''))
    .map(
      (violation) =>
        `${where}: ${violation.id} (${violation.impact}) ${violation.help} — ` +
        violation.nodes
          .slice(0, 5)
          .map((node) => node.target.join(' '))
          .join(', '),
    );
}
