import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import session from '@fastify/session';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createHmac } from 'node:crypto';
import { purgeExpiredSessions, SqliteSessionStore } from '../auth/session-store.js';
import type { Flash } from '../types.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PURGE_EVERY_MS = 60 * 60 * 1000;

/** One key per use, all derived from the one configured secret. */
const derivedKey = (secret: string, use: string) => createHmac('sha256', secret).update(use).digest('base64url');

/**
 * Whom a CSRF token is for: nobody before sign-in, then the signed-in administrator or account.
 * A token is good only for the identity it was made for, so one shown before sign-in, or to
 * someone else, is refused afterwards.
 */
function csrfIdentity(request: FastifyRequest): string {
  const { userId, accountId } = request.session;
  if (userId !== undefined) return `admin:${userId}`;
  return accountId !== undefined ? `account:${accountId}` : 'anonymous';
}

/** The CSRF token for a form or htmx header on the page being rendered. */
export function csrfToken(request: FastifyRequest, reply: FastifyReply): string {
  return reply.generateCsrf({ userInfo: csrfIdentity(request) });
}

/**
 * Server-side sessions in SQLite, flash messages kept in them, and CSRF on every unsafe request.
 *
 * A session is stored only once there is something to keep (a sign-in, a flash message): an
 * anonymous visit to a sign-in page, a public form or a missing page writes nothing. Their forms
 * are still protected, by a double-submit token: a random secret in a signed, HttpOnly cookie,
 * and in the form a token derived from it with a server-side key and the identity it is for.
 * Another site can neither read the cookie nor make a token that fits it.
 */
export default fp(async (app) => {
  const { config, db } = app;
  const store = new SqliteSessionStore(db, {
    idleMs: config.sessionIdleMinutes * 60_000,
    maxMs: config.sessionMaxHours * 3_600_000,
  });

  await app.register(cookie, { secret: derivedKey(config.sessionSecret, 'csrf-cookie') });
  await app.register(session, {
    secret: config.sessionSecret,
    cookieName: 'roster_session',
    store,
    // Saved only when changed: a write per request would cost more than the request itself.
    rolling: false,
    saveUninitialized: false,
    // No Max-Age: the browser forgets the cookie when it closes; the server enforces both timeouts.
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', path: '/' },
  });

  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'roster_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', signed: true },
    getUserInfo: csrfIdentity,
    csrfOpts: { hmacKey: derivedKey(config.sessionSecret, 'csrf-token') },
  });
  app.addHook('preHandler', (request, reply, done) => {
    if (UNSAFE_METHODS.has(request.method)) app.csrfProtection(request, reply, done);
    else done();
  });

  app.decorateReply('flash', function (kind: Flash['kind'], text: string) {
    const session = this.request.session;
    session.flash = [...(session.flash ?? []), { kind, text }];
  });

  purgeExpiredSessions(db);
  const purge = setInterval(() => purgeExpiredSessions(db), PURGE_EVERY_MS);
  purge.unref();
  app.addHook('onClose', async () => clearInterval(purge));
});

/**
 * Lets a reply go out without saving the session, when the database cannot take the write:
 * the request keeps a copy of what the session holds (who is signed in, the
 * flash), and the session plugin saves nothing for a session without an id. Otherwise an error
 * page would fail once more when saved, and go out as bare JSON with the first error's status.
 */
export function detachSession(request: FastifyRequest): void {
  const stored = request.session;
  if (!stored) return;
  const copy: Record<string, unknown> = {
    ...stored,
    get(key: string) {
      return copy[key];
    },
    set(key: string, value: unknown) {
      copy[key] = value;
    },
  };
  request.session = copy as unknown as FastifyRequest['session'];
}
