import type { FastifyReply, FastifyRequest } from 'fastify';

// Whitespace and control characters have no place in a URL as the browser sends it: a tab or a
// newline is silently dropped by browsers ("/\t/evil.example" becomes "//evil.example") or breaks
// the Location header; a backslash is read as a slash.
const UNSAFE_CHARACTERS = /[\s\x00-\x1f\x7f\\]/;
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;
const SAME_ORIGIN_BASE = 'http://roster.invalid';

function percentDecoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/**
 * Where to go after signing in: only a path on this site, never another site. The value (already
 * decoded once from the query or form) must start with one "/" (not "//", which names a host) and
 * hold no whitespace, control character or backslash. Decoded once more, as a lenient browser or
 * proxy might, it must still not start with "//" or "/\\" nor hold a control character (an encoded
 * space, as in a kept search, is fine). Anything else means the default page, "/".
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || UNSAFE_CHARACTERS.test(next)) return '/';
  const decoded = percentDecoded(next);
  if (decoded === undefined || /^\/[/\\]/.test(decoded) || CONTROL_CHARACTERS.test(decoded)) return '/';
  if (next.startsWith('//') || new URL(next, SAME_ORIGIN_BASE).origin !== SAME_ORIGIN_BASE) return '/';
  return next;
}

/**
 * Where to sign in again: the console's or the portal's sign-in page, with why (an ended
 * session) and, for a plain page load, the page to come back to.
 */
export function signInUrl(request: FastifyRequest, page: '/signin' | '/login', reason?: string): string {
  const params = new URLSearchParams();
  if (reason) params.set('reason', reason);
  if (request.method === 'GET' && request.headers['hx-request'] !== 'true') params.set('next', request.url);
  const query = params.toString();
  return query ? `${page}?${query}` : page;
}

/** Sends the browser elsewhere; htmx would swap the page into a fragment, so it is told to navigate. */
export function navigate(request: FastifyRequest, reply: FastifyReply, url: string) {
  if (request.headers['hx-request'] === 'true') return reply.code(401).header('HX-Redirect', url).send();
  return reply.redirect(url);
}
