import { setTimeout as sleep } from 'node:timers/promises';
import { parseListQuery } from '../src/list/list-query.js';

/** How long a list plan stays kept after its last use (src/list/list-service.ts), plus a margin. */
const PLAN_CACHE_MS = 10_000 + 500;

/** The server caches plans by filters and search, not by sort or page. */
function planKey(path: string): string {
  const query = parseListQuery(Object.fromEntries(new URL(path, 'http://x').searchParams));
  return JSON.stringify([query.filters, query.adhoc ?? null, query.q]);
}

/**
 * Remembers when the bench last asked for each plan, so that a "first request" can wait until
 * the server has forgotten it: several classes share a plan (one sort, or one page, differs).
 */
export class PlanCacheClock {
  private lastUse = new Map<string, number>();

  used(path: string): void {
    this.lastUse.set(planKey(path), Date.now());
  }

  /** Resolves once no plan for this URL can still be cached; returns how long that took. */
  async waitUntilCold(path: string): Promise<number> {
    const last = this.lastUse.get(planKey(path));
    const wait = last === undefined ? 0 : Math.max(0, last + PLAN_CACHE_MS - Date.now());
    if (wait > 0) await sleep(wait);
    return wait;
  }
}
