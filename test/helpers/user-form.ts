import type { FastifyInstance } from 'fastify';
import type { Client } from './app.js';

export type Pairs = [string, string][];

/** Posts a form with repeated fields (check boxes), with the client's session and CSRF token. */
export function postForm(app: FastifyInstance, client: Client, url: string, pairs: Pairs, csrf = true) {
  const body = new URLSearchParams(csrf ? [['_csrf', client.csrfToken], ...pairs] : pairs);
  return app.inject({
    method: 'POST',
    url,
    payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: client.cookieHeader },
  });
}

/** The named fields of the form on a page, as a browser would submit them. */
export function formFields(html: string): Pairs {
  const pairs: Pairs = [];
  const form = /<form method="post" action="\/users[^"]*" class="user-form"[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
  const decode = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  for (const tag of form.match(/<input\b[^>]*>/g) ?? []) {
    const name = /\sname="([^"]*)"/.exec(tag)?.[1];
    if (!name || name === '_csrf') continue;
    const type = /\stype="([^"]*)"/.exec(tag)?.[1] ?? 'text';
    if ((type === 'checkbox' || type === 'radio') && !/\schecked/.test(tag)) continue;
    const value = /\svalue="([^"]*)"/.exec(tag)?.[1];
    pairs.push([name, decode(value ?? (type === 'checkbox' ? 'on' : ''))]);
  }
  for (const [, attrs, inner] of form.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = /name="([^"]*)"/.exec(attrs!)?.[1]!;
    const selected = /<option value="([^"]*)" selected>/.exec(inner!);
    pairs.push([name, selected?.[1] ?? '']);
  }
  for (const [, attrs, inner] of form.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    pairs.push([/name="([^"]*)"/.exec(attrs!)?.[1]!, decode(inner!)]);
  }
  return pairs;
}

/** Replaces (or adds) single-valued fields. */
export function withFields(pairs: Pairs, changes: Record<string, string>): Pairs {
  const result = pairs.filter(([name]) => !(name in changes));
  return [...result, ...Object.entries(changes)];
}
