import type { FastifyInstance } from 'fastify';
import { formPostLimit } from '../plugins/rate-limit.js';
import {
  createFirstSuperuser,
  type FieldErrors,
  type FirstAdminInput,
  readFirstAdminInput,
  SetupAlreadyDoneError,
  validateFirstAdmin,
} from './first-admin.js';

const EMPTY: FirstAdminInput = { username: '', fullName: '', email: '', password: '', passwordConfirmation: '' };

export default async function setupRoutes(app: FastifyInstance) {
  const policy = { minLength: app.config.passwordMinLength };
  const invalidLink = (reply: import('fastify').FastifyReply) =>
    reply.code(404).view('setup/invalid', { title: 'Setup link not valid' });
  const form = (token: string, input: FirstAdminInput, errors: FieldErrors = {}) => ({
    title: 'Set up Roster',
    token,
    input,
    errors,
    minLength: policy.minLength,
  });

  app.get<{ Querystring: { token?: string } }>('/setup', async (request, reply) => {
    if (!app.firstRun.accepts(request.query.token)) return invalidLink(reply);
    return reply.view('setup/form', form(request.query.token as string, EMPTY));
  });

  app.post<{ Body: Record<string, unknown> }>(
    '/setup',
    { config: { rateLimit: formPostLimit(app.config) } },
    async (request, reply) => {
      const token = request.body?.token;
      if (!app.firstRun.accepts(token)) return invalidLink(reply);
      const input = readFirstAdminInput(request.body);
      const errors = validateFirstAdmin(input, policy);
      const kept = { ...input, password: '', passwordConfirmation: '' };
      if (Object.keys(errors).length > 0) {
        return reply.code(422).view('setup/form', form(token as string, kept, errors));
      }
      try {
        const admin = await createFirstSuperuser(app.db, input);
        request.log.info({ userId: admin.id }, 'first superuser created');
      } catch (err) {
        if (!(err instanceof SetupAlreadyDoneError)) throw err;
      }
      app.firstRun.complete();
      reply.flash('success', 'Roster is set up. Sign in with the account you just created.');
      return reply.redirect('/signin');
    },
  );
}
