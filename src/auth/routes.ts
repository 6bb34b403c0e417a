import type { FastifyInstance } from 'fastify';
import { formPostLimit } from '../plugins/rate-limit.js';
import { beginSecondStep } from '../two-step/pending.js';
import { safeNext } from './redirects.js';
import { checkSigninForm, SIGNIN_NOTICES, SIGNIN_REFUSED, type SigninForm, startSession } from './signin-form.js';

export default async function authRoutes(app: FastifyInstance) {
  app.get<{ Querystring: { next?: string; reason?: string } }>('/signin', async (request, reply) => {
    if (request.session.userId !== undefined) return reply.redirect('/');
    const { next, reason } = request.query;
    return reply.view('auth/signin', {
      title: 'Sign in',
      next: safeNext(next),
      notice: SIGNIN_NOTICES[reason ?? ''],
      setupPending: app.firstRun.isPending(),
      username: '',
    });
  });

  app.post<{ Body: SigninForm }>(
    '/signin',
    { config: { rateLimit: formPostLimit(app.config) } },
    async (request, reply) => {
      const next = safeNext(request.body?.next);
      const { username, user } = await checkSigninForm(request, 'admin');
      if (!user) {
        request.log.info({ username }, 'administrator sign-in refused');
        return reply.code(401).view('auth/signin', {
          title: 'Sign in',
          next,
          error: SIGNIN_REFUSED,
          setupPending: false,
          username,
        });
      }
      if (user.twoStepMethod !== null) return reply.redirect(beginSecondStep(request, user, 'admin', next), 303);
      await startSession(request, 'userId', user.id);
      request.log.info({ userId: user.id }, 'administrator signed in');
      return reply.redirect(next);
    },
  );

  app.post('/signout', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/signin?reason=signed-out');
  });
}
