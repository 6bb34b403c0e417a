import { auditActor } from '../audit/record.js';
import { allowedIf, notAllowed, refusedPage } from '../access/guards.js';
import { mayChangeAccess, mayEmail, PERMISSION_WORDS, refusals } from '../access/policy.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { passwordProblem } from '../auth/passwords.js';
import { requireAdmin } from '../auth/require-admin.js';
import type { User } from '../db/schema.js';
import { formPostLimit } from '../plugins/rate-limit.js';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import { mailSetPasswordLink } from '../mail/set-password-mail.js';
import { mailAddressOf } from '../mail/recipient.js';
import {
  createSetPasswordToken,
  findUsableToken,
  LINK_LIFETIME_MS,
  SET_PASSWORD_PAGE,
  setPasswordWithToken,
} from './set-password-tokens.js';

interface SetPasswordInput {
  newPassword: string;
  newPasswordConfirmation: string;
}

type SetPasswordErrors = Partial<Record<keyof SetPasswordInput, string>>;

function text(body: Record<string, unknown> | undefined, name: string): string {
  const value = body?.[name];
  return typeof value === 'string' ? value : '';
}

/** Route ids are positive integers; anything else names nobody. */
function idParam(value: string): number | undefined {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * Pages that carry a token: no cache may keep them, and the token in the address must not
 * travel on in a Referer header, not even to our own stylesheet.
 */
function holdsToken(reply: FastifyReply): FastifyReply {
  return reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer');
}

/**
 * Set-password links: an administrator creates one for a user (the only way into an account
 * created without a password), and the user opens it to choose their password. These routes
 * live outside the administrators' guard because the user holds no session at all; the one
 * administrator route runs that guard itself.
 */
export default async function setPasswordRoutes(app: FastifyInstance) {
  const policy = { minLength: app.config.passwordMinLength };

  /** The user a link is for, when the administrator may see them, and the administrator making it. */
  const linkFor = (request: FastifyRequest<{ Params: { id: string } }>) => {
    const id = idParam(request.params.id);
    return {
      user: id ? findVisibleUser(app.db, request.actor, id) : undefined,
      admin: auditActor(request.actor),
    };
  };

  app.post<{ Params: { id: string } }>(
    '/users/:id/set-password-link',
    { onRequest: requireAdmin, preHandler: allowedIf(mayChangeAccess, PERMISSION_WORDS.access) },
    async (request, reply) => {
      const { user, admin } = linkFor(request);
      if (!user) return reply.callNotFound();
      const [refused] = refusals(app.db, request.actor, 'password', user);
      if (refused) return refusedPage(reply, refused);
      const { token, expiresAt } = createSetPasswordToken(app.db, admin, user, { requestId: request.id });
      request.log.info({ userId: user.id }, 'set-password link created');
      // Shown in the response itself and nowhere else: the token is never stored, not even in
      // the session, so this page is the only place it ever appears.
      const link = `${request.protocol}://${request.host}${SET_PASSWORD_PAGE}?token=${token}`;
      return holdsToken(reply).view('portal/set-password-link', {
        title: `Set-password link for ${displayName(user)}`,
        user: { id: user.id, name: displayName(user) },
        link,
        expiresAt,
        lifetimeHours: LINK_LIFETIME_MS / 3_600_000,
      });
    },
  );

  /** The link by mail instead (M4), when mail is set up and the user has an address. */
  app.post<{ Params: { id: string } }>(
    '/users/:id/set-password-mail',
    { onRequest: requireAdmin, preHandler: allowedIf(mayChangeAccess, PERMISSION_WORDS.access) },
    async (request, reply) => {
      if (!mayEmail(request.actor)) return notAllowed(reply, PERMISSION_WORDS.email);
      const { user, admin } = linkFor(request);
      if (!user) return reply.callNotFound();
      const [refused] = refusals(app.db, request.actor, 'password', user);
      if (refused) return refusedPage(reply, refused);
      if (mailSetPasswordLink(app.db, app.mail.outbox, admin, user, { requestId: request.id })) {
        request.log.info({ userId: user.id }, 'set-password link queued for mail');
        reply.flash('success', `A set-password link is on its way to ${mailAddressOf(user)}.`);
      } else {
        reply.flash('error', 'The link cannot be sent by mail: mail is not set up, or the user has no email address.');
      }
      return reply.redirect(`/users/${user.id}`);
    },
  );

  const spentPage = (reply: FastifyReply, reason: 'unknown' | 'spent') =>
    holdsToken(reply.code(reason === 'spent' ? 410 : 404)).view('portal/set-password-invalid', {
      title: 'This link cannot be used',
    });

  const formPage = (reply: FastifyReply, user: User, token: string, errors: SetPasswordErrors = {}) =>
    holdsToken(reply).view('portal/set-password', {
      title: 'Choose your password',
      username: user.username,
      name: displayName(user),
      token,
      errors,
      minLength: policy.minLength,
    });

  app.get<{ Querystring: { token?: string } }>(SET_PASSWORD_PAGE, async (request, reply) => {
    const token = String(request.query.token ?? '');
    const found = findUsableToken(app.db, token);
    if (!found.ok) return spentPage(reply, found.reason);
    return formPage(reply, found.user, token);
  });

  app.post<{ Body: Record<string, unknown> }>(
    SET_PASSWORD_PAGE,
    { config: { rateLimit: formPostLimit(app.config) } },
    async (request: FastifyRequest<{ Body: Record<string, unknown> }>, reply) => {
      const token = text(request.body, 'token');
      const input: SetPasswordInput = {
        newPassword: text(request.body, 'newPassword'),
        newPasswordConfirmation: text(request.body, 'newPasswordConfirmation'),
      };
      const found = findUsableToken(app.db, token);
      if (!found.ok) return spentPage(reply, found.reason);

      const errors: SetPasswordErrors = {};
      const problem = passwordProblem(input.newPassword, policy, found.user.username);
      if (input.newPassword === '') errors.newPassword = 'Choose a password.';
      else if (problem) errors.newPassword = problem;
      if (input.newPasswordConfirmation === '') errors.newPasswordConfirmation = 'Repeat the password.';
      else if (input.newPasswordConfirmation !== input.newPassword) {
        errors.newPasswordConfirmation = 'The two passwords do not match.';
      }
      if (Object.keys(errors).length > 0) return formPage(reply.code(422), found.user, token, errors);

      const user = await setPasswordWithToken(app.db, token, input.newPassword, { requestId: request.id });
      // Someone else used the link while the password was being hashed.
      if (!user) return spentPage(reply, 'spent');
      // The user's sessions are gone from the store; if this browser held one of them, it must not
      // be written back when the response is sent.
      const { session } = request;
      if (session.accountId === user.id || session.userId === user.id) await session.regenerate();
      request.log.info({ accountId: user.id }, 'password set through a link');
      reply.flash('success', 'Your password has been set. Sign in with it now.');
      return reply.redirect('/login');
    },
  );
}
