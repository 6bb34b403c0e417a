import { auditActor } from '../audit/record.js';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayChangeSettings } from '../access/policy.js';
import { EMAIL } from '../email-address.js';
import { recentMail } from '../mail/queue.js';
import { sendTestMail } from '../mail/test-mail.js';
import { SMTP_SECURITY } from '../db/schema.js';
import {
  type MailForm,
  type MailFormErrors,
  mailFormOf,
  readMailForm,
  SECURITY_LABELS,
  validateMailForm,
} from './mail-form.js';
import { readMailSettings, saveMailSettings } from './mail-settings.js';
import { INVITATION_DAYS, readInvitationDays, saveInvitationDays } from './invitation-lifetime.js';

type Body = Record<string, unknown> | undefined;

/** The queue page lists this many of the most recent mails. */
const QUEUE_SHOWN = 100;

/** Mail settings (M1): the SMTP server, the sender, Roster's public address; a test email; the queue. */
export default async function mailSettingsRoutes(app: FastifyInstance) {
  const { db } = app;
  // A preHandler, so the page it answers with has the signed-in context (and a POST's CSRF check ran).
  app.addHook('preHandler', allowedIf(mayChangeSettings, 'change settings'));

  function renderSettings(
    reply: FastifyReply,
    form: MailForm,
    extra: {
      errors?: MailFormErrors;
      testTo?: string;
      testError?: string;
      invitationDays?: string;
      invitationError?: string;
    } = {},
  ) {
    return reply.view('settings/mail', {
      title: 'Mail settings',
      form,
      errors: extra.errors ?? {},
      stored: readMailSettings(db),
      securityChoices: SMTP_SECURITY.map((value) => [value, SECURITY_LABELS[value]]),
      testTo: extra.testTo ?? reply.request.actor.email,
      testError: extra.testError,
      invitationDays: extra.invitationDays ?? String(readInvitationDays(db)),
      invitationError: extra.invitationError,
      invitationLimits: INVITATION_DAYS,
    });
  }

  app.get('/settings/mail', async (_request, reply) => renderSettings(reply, mailFormOf(readMailSettings(db))));

  app.post<{ Body: Body }>('/settings/mail', async (request, reply) => {
    const form = readMailForm(request.body);
    const checked = validateMailForm(form, readMailSettings(db));
    if ('errors' in checked) return renderSettings(reply.code(422), form, { errors: checked.errors });
    saveMailSettings(db, app.mail.smtpSealer, checked.settings, {
      ...auditActor(request.actor),
      requestId: request.id,
    });
    request.log.info('mail settings saved');
    reply.flash('success', 'The mail settings are saved.');
    return reply.redirect('/settings/mail');
  });

  /** Sends a test email at once (not through the queue), so the page can say what the server answered. */
  app.post<{ Body: Body }>('/settings/mail/test', async (request, reply) => {
    const to = typeof request.body?.to === 'string' ? request.body.to.trim().slice(0, 320) : '';
    const settingsForm = mailFormOf(readMailSettings(db));
    if (!EMAIL.test(to))
      return renderSettings(reply.code(422), settingsForm, {
        testTo: to,
        testError: 'Enter an email address like name@example.com.',
      });
    const result = await sendTestMail(db, app.mail.smtpSealer, to);
    if (!result.sent) return renderSettings(reply.code(422), settingsForm, { testTo: to, testError: result.error });
    reply.flash('success', `A test email was sent to ${to}. Check that it arrived.`);
    return reply.redirect('/settings/mail');
  });

  /** How long the link in a welcome mail works (M5): a console-wide choice, audited as mail settings are. */
  app.post<{ Body: Body }>('/settings/mail/invitation', async (request, reply) => {
    const typed =
      typeof request.body?.invitationDays === 'string' ? request.body.invitationDays.trim().slice(0, 10) : '';
    const days = Number(typed);
    if (!/^\d+$/.test(typed) || days < INVITATION_DAYS.min || days > INVITATION_DAYS.max) {
      return renderSettings(reply.code(422), mailFormOf(readMailSettings(db)), {
        invitationDays: typed,
        invitationError: `Enter a whole number of days from ${INVITATION_DAYS.min} to ${INVITATION_DAYS.max}.`,
      });
    }
    saveInvitationDays(db, days, { ...auditActor(request.actor), requestId: request.id });
    reply.flash('success', `Welcome links now work for ${days} ${days === 1 ? 'day' : 'days'}.`);
    return reply.redirect('/settings/mail');
  });

  app.get('/settings/mail/queue', async (_request, reply) =>
    reply.view('settings/mail-queue', { title: 'Mail queue', mail: recentMail(db, QUEUE_SHOWN) }),
  );
}
