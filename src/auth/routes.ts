import type { FastifyInstance } from 'fastify';
import { formPostLimit } from '../plugins/rate-limit.js';
import { authenticate } from './signin.js';

interface SigninBody {
  username?: string;
  password?: string;
  next?: string;
}

const REASONS: Record<string, string> = {
  expired: 'Your session has ended. Sign in again to continue.',
  'signed-out': 'You have signed out.',
};

/** Only same-site paths: a crafted ?next= must not send anyone to another site after sign-in. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return '/';
  }
  return next;
}

export default async function authRoutes(app: FastifyInstance) {
  const lockout = {
    threshold: app.config.lockoutThreshold,
    windowMs: app.config.lockoutWindowMinutes * 60_000,
  };

  app.get<{ Querystring: { next?: string; reason?: string } }>('/signin', async (request, reply) => {
    if (request.session.userId !== undefined) return reply.redirect('/');
    const { next, reason } = request.query;
    return reply.view('auth/signin', {
      title: 'Sign in',
      next: safeNext(next),
      notice: REASONS[reason ?? ''],
      setupPending: app.firstRun.isPending(),
      username: '',
    });
  });

  app.post<{ Body: SigninBody }>(
    '/signin',
    { config: { rateLimit: formPostLimit(app.config) } },
    async (request, reply) => {
      const username = String(request.body?.username ?? '').slice(0, 320);
      const password = String(request.body?.password ?? '');
      const next = safeNext(request.body?.next);
      const result = await authenticate(app.db, lockout, username, password, {
        audience: 'admin',
        requestId: request.id,
      });
      if (!result.ok) {
        request.log.info({ username }, 'administrator sign-in refused');
        return reply.code(401).view('auth/signin', {
          title: 'Sign in',
          next,
          error: 'The username or password is incorrect, or the account cannot sign in.',
          setupPending: false,
          username,
        });
      }
      // A new session id at sign-in, so an id planted before sign-in is worthless afterwards.
      await request.session.regenerate();
      const now = Date.now();
      request.session.userId = result.user.id;
      request.session.createdAt = now;
      request.session.lastSeenAt = now;
      request.log.info({ userId: result.user.id }, 'administrator signed in');
      return reply.redirect(next);
    },
  );

  app.post('/signout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/signin?reason=signed-out');
  });
}
