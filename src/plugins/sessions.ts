import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import session from '@fastify/session';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { purgeExpiredSessions, SqliteSessionStore } from '../auth/session-store.js';
import type { Flash } from '../types.js';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Server-side sessions in SQLite, flash messages kept in them, and CSRF on every unsafe request. */
export default fp(async (app) => {
  const { config, db } = app;
  const store = new SqliteSessionStore(db, {
    idleMs: config.sessionIdleMinutes * 60_000,
    maxMs: config.sessionMaxHours * 3_600_000,
  });

  await app.register(cookie);
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

  await app.register(csrf, { sessionPlugin: '@fastify/session' });
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
 * the request keeps a copy of what the session holds (who is signed in, the CSRF secret, the
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
