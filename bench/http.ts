import type { Credentials } from './config.js';

export interface Page {
  status: number;
  /** From sending the request to having read the whole body. */
  ms: number;
  html: string;
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The cookies a response sets, as name=value pairs, over those kept from before. */
function withCookies(kept: Map<string, string>, res: Response): Map<string, string> {
  for (const header of res.headers.getSetCookie()) {
    const pair = header.split(';')[0]!;
    kept.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return kept;
}

const cookieHeader = (cookies: Map<string, string>) => [...cookies.values()].join('; ');

/**
 * Signs in through the form, as a browser does, and returns the Cookie header to send from
 * then on: the session, and the signed cookie that the forms' CSRF tokens are checked against.
 */
export async function signIn(baseUrl: string, credentials: Credentials): Promise<string> {
  const form = await fetch(`${baseUrl}/signin`);
  const html = await form.text();
  const cookies = withCookies(new Map(), form);
  const csrf = /name="_csrf" value="([^"]*)"/.exec(html)?.[1];
  if (form.status !== 200 || csrf === undefined) {
    throw new Error(`GET /signin gave status ${form.status} and ${csrf === undefined ? 'no' : 'a'} CSRF token`);
  }
  const res = await fetch(`${baseUrl}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(cookies), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: credentials.username,
      password: credentials.password,
      _csrf: unescapeHtml(csrf),
      next: '/users',
    }),
  });
  await res.arrayBuffer();
  withCookies(cookies, res);
  if (res.status !== 302 || !cookies.has('roster_session')) {
    throw new Error(
      `Signing in as ${credentials.username} failed (status ${res.status}); set BENCH_USERNAME and BENCH_PASSWORD to an administrator account of the bench database`,
    );
  }
  return cookieHeader(cookies);
}

export async function getPage(baseUrl: string, path: string, cookie: string): Promise<Page> {
  const started = performance.now();
  const res = await fetch(`${baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });
  const html = await res.text();
  return { status: res.status, ms: performance.now() - started, html };
}

/** Where the page's "Next" link leads (the keyset cursor a user follows). */
export function nextHref(html: string): string | undefined {
  const link = /<a\b[^>]*\bhref="([^"]*)"[^>]*\brel="next"/.exec(html)?.[1];
  return link === undefined ? undefined : unescapeHtml(link);
}

/** How many users the list says match: exact, or "about" for an estimate. */
export function matchCount(html: string): { value: number; exact: boolean } | undefined {
  const shown = /Showing <strong>[^<]*<\/strong> of <strong>(about )?([\d,]+)<\/strong>/.exec(html);
  if (shown) return { value: Number(shown[2]!.replace(/,/g, '')), exact: shown[1] === undefined };
  return /No users match/.test(html) ? { value: 0, exact: true } : undefined;
}
