import { matchCount, nextHref, type Page } from './http.js';

export interface Probe {
  /** Fetches a page the first time its plan is not cached by the server, for a cold timing. */
  coldPage(path: string): Promise<Page>;
  /** Fetches a page without caring whether it is cold. */
  page(path: string): Promise<Page>;
}

export interface Resolved {
  path: string;
  /** The cold request, when resolving the URL already made it. */
  cold?: Page;
  note?: string;
}

export interface QueryClass {
  label: string;
  /** Judged against the targets; extra lines are shown for comparison only. */
  judged: boolean;
  minRps?: number;
  /** Whether each request asks for a page rendered afresh (see drive); all but one class do. */
  fresh: boolean;
  resolve(probe: Probe): Promise<Resolved>;
}

const RARE_TERMS = ['dvorakova77', 'horvath42', 'novak123'];
const RARE_MAX = 500;

const fixed = (path: string) => async (): Promise<Resolved> => ({ path });

function expectOk(path: string, page: Page): void {
  if (page.status !== 200) throw new Error(`GET ${path} answered ${page.status}, not 200`);
}

/** A user pages on by following "Next", which carries a keyset cursor rather than an offset. */
async function keysetPage2000(probe: Probe): Promise<Resolved> {
  const before = '/users?sort=-lastName&page=1999&size=50';
  const page = await probe.page(before);
  expectOk(before, page);
  const href = nextHref(page.html);
  if (!href?.includes('after=') || !href.includes('page=2000')) {
    throw new Error(`Page 1,999 has no keyset "next" link to page 2,000 (found ${href ?? 'none'})`);
  }
  return {
    path: href,
    note: `The cursor for page 2,000 was read from page 1,999, fetched once by offset in ${page.ms.toFixed(0)} ms.`,
  };
}

/** The term must stay rare in this data set, or the class would measure something else. */
async function rareTerm(probe: Probe): Promise<Resolved> {
  const tried: string[] = [];
  for (const term of RARE_TERMS) {
    const path = `/users?q=${encodeURIComponent(term)}`;
    const cold = await probe.coldPage(path);
    expectOk(path, cold);
    const count = matchCount(cold.html);
    if (count?.exact && count.value >= 1 && count.value <= RARE_MAX) {
      const note =
        tried.length === 0
          ? `The rare term "${term}" matches ${count.value} users.`
          : `${tried.join('; ')}; "${term}" (${count.value} matches) was measured instead.`;
      return { path, cold, note };
    }
    tried.push(
      `"${term}" matched ${count ? `${count.exact ? '' : 'about '}${count.value}` : 'an unreadable number of'} users, not 1–${RARE_MAX}`,
    );
  }
  throw new Error(`No rare search term fits this data set: ${tried.join('; ')}`);
}

export function queryClasses(supervisorId: number): QueryClass[] {
  const rendered = (label: string, resolve: QueryClass['resolve'], judged = true): QueryClass => ({
    label,
    judged,
    fresh: true,
    resolve,
  });
  return [
    {
      label: 'first page, default sort (kept page)',
      judged: true,
      minRps: 2000,
      fresh: false,
      resolve: fixed('/users'),
    },
    rendered('first page, default sort', fixed('/users')),
    rendered('sort by last name, descending', fixed('/users?sort=-lastName')),
    rendered('page 2,000 of that sort (keyset)', keysetPage2000),
    rendered('page 2,000 by page number (offset)', fixed('/users?sort=-lastName&page=2000'), false),
    rendered('group + territory + status', fixed('/users?group=3&territory=2&status=active')),
    rendered('rare search term', rareTerm),
    rendered('common surname', fixed('/users?q=nilsson')),
    rendered('common 3-letter term', fixed('/users?q=son')),
    rendered('wildcard ann*', fixed('/users?q=ann*')),
    rendered("one supervisor's users", fixed(`/users?supervisor=${supervisorId}`)),
    rendered('filters + search + sort', fixed('/users?group=3&status=active&q=son&sort=-lastSignin')),
    // The landing page: its figures are kept per scope until the data changes (see home/overview.ts).
    rendered('Overview (landing page)', fixed('/')),
    // The database view (L7) reads the same page of users, then every ticked cell of its rows.
    rendered('database view, first page', fixed('/users?view=databases')),
    rendered('database view, sorted by databases', fixed('/users?view=databases&sort=-databases')),
    rendered('database view, filters + search', fixed('/users?view=databases&group=3&status=active&q=son')),
  ];
}
