import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { UntilChanged } from '../db/change-stamp.js';
import { csrfToken } from '../plugins/sessions.js';
import { datesFor } from '../preferences/time-zone.js';

/**
 * Rendered list pages, kept until the database changes. The users list is every
 * administrator's landing page, reloaded, refreshed and returned to far more often than users
 * change, and rendering a page costs more than the rest of a request together.
 *
 * A page is a function of the administrator (their scope, role and name are in the data, so
 * the change stamp covers them; their time zone is in the key), the URL, whether htmx asked for a fragment, and the data.
 * What differs per request is left out: the CSRF token is rendered as a mark and filled in on
 * each reply, and a page carrying a flash message is never kept. Entries also expire after a
 * few seconds, because one thing shown changes with the clock alone: a lock ending.
 * A request with `Cache-Control: no-cache` (a browser's hard reload) is always rendered afresh.
 */

const PAGES_KEPT = 50;
const KEPT_MS = 5_000;
const pages = new UntilChanged<Buffer[]>(PAGES_KEPT, KEPT_MS);

/** Stands for the CSRF token in a kept page; random, so no user's data can contain it. */
const CSRF_MARK = `csrf-mark-${randomBytes(16).toString('hex')}`;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

function keepable(request: FastifyRequest): boolean {
  const pending = request.session.flash?.length ?? 0;
  return pending === 0 && !/no-cache/.test(request.headers['cache-control'] ?? '');
}

/**
 * The page as bytes: a list page runs to a hundred kilobytes or more, and sent as a string it
 * would be measured (for Content-Length) and then encoded, two passes where this is one.
 */
const bytes = (text: string) => Buffer.from(text, 'utf8');

/**
 * Replies with the template rendered from `data()`, or with the same page kept from an earlier
 * request while nothing has changed. `data` is called only when the page is rendered.
 */
export async function viewKept(
  request: FastifyRequest,
  reply: FastifyReply,
  template: string,
  data: () => object,
): Promise<FastifyReply> {
  const render = (more: object) => request.server.view(template, { ...reply.locals, ...data(), ...more });
  reply.type('text/html; charset=utf-8');
  if (!keepable(request)) return reply.send(bytes(await render({})));
  const { db } = request.server;
  // Dates on the page (and the days a date filter means) are in the administrator's zone.
  const zone = datesFor(db, request.actor.id).zone;
  const found = pages.lookup(db, JSON.stringify([request.actor.id, zone, template, request.url]));
  let parts = found.hit?.value;
  if (!parts) {
    parts = (await render({ csrf: () => CSRF_MARK })).split(CSRF_MARK).map(bytes);
    found.keep(parts);
  }
  const token = bytes(escapeHtml(csrfToken(request, reply)));
  return reply.send(Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [token, part]))));
}
