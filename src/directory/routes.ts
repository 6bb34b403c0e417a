import type { FastifyInstance, FastifyReply } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayChangeSettings } from '../access/policy.js';
import { auditActor } from '../audit/record.js';
import { DIRECTORY_FIELDS, FIELD_HINTS, FIELD_WORDS } from './attribute-map.js';
import { type ConnectionTest, testConnection } from './connection-test.js';
import {
  type DirectoryForm,
  type DirectoryFormErrors,
  directoryFormOf,
  readDirectoryForm,
  validateDirectoryForm,
} from './directory-form.js';
import {
  BLANK_SETTINGS,
  BindPasswordUnreadableError,
  readDirectoryConnection,
  readDirectorySettings,
  saveDirectorySettings,
} from './directory-settings.js';
import { syncRunning } from './sync-claim.js';
import { lastSyncOutcome, outcomeWords } from './sync.js';

type Body = Record<string, unknown> | undefined;

/**
 * The directory connection (F3), superusers only: the LDAP server, how Roster binds and
 * searches, which attribute fills which field, a connection test that writes nothing, and the
 * optional sync with its last outcome.
 */
export default async function directoryRoutes(app: FastifyInstance) {
  const { db } = app;
  const { sealer, sync } = app.directory;
  app.addHook('preHandler', allowedIf(mayChangeSettings, 'change settings'));

  function render(
    reply: FastifyReply,
    form: DirectoryForm,
    extra: { errors?: DirectoryFormErrors; test?: ConnectionTest } = {},
  ) {
    const last = lastSyncOutcome(db);
    return reply.view('settings/directory', {
      title: 'Directory',
      form,
      errors: extra.errors ?? {},
      stored: readDirectorySettings(db),
      test: extra.test,
      fields: DIRECTORY_FIELDS.map((field) => ({ field, label: FIELD_WORDS[field], hint: FIELD_HINTS[field] })),
      last: last && { ...last, words: outcomeWords(last) },
      running: syncRunning(db, new Date()),
    });
  }

  app.get('/settings/directory', async (_request, reply) =>
    render(reply, directoryFormOf(readDirectorySettings(db) ?? BLANK_SETTINGS)),
  );

  app.post<{ Body: Body }>('/settings/directory', async (request, reply) => {
    const form = readDirectoryForm(request.body);
    const checked = validateDirectoryForm(form, readDirectorySettings(db));
    if ('errors' in checked) return render(reply.code(422), form, { errors: checked.errors });
    saveDirectorySettings(db, sealer, checked.settings, { ...auditActor(request.actor), requestId: request.id });
    reply.flash('success', 'The directory settings are saved.');
    return reply.redirect('/settings/directory', 303);
  });

  /** Tests the settings as typed, before they are saved; a blank password means the stored one. */
  app.post<{ Body: Body }>('/settings/directory/test', async (request, reply) => {
    const form = readDirectoryForm(request.body);
    const checked = validateDirectoryForm(form, readDirectorySettings(db));
    if ('errors' in checked) return render(reply.code(422), form, { errors: checked.errors });
    let bindPassword = '';
    const change = checked.settings.password;
    if ('set' in change) bindPassword = change.set;
    else if ('keep' in change) {
      try {
        bindPassword = readDirectoryConnection(db, sealer)?.bindPassword ?? '';
      } catch (err) {
        if (!(err instanceof BindPasswordUnreadableError)) throw err;
        return render(reply.code(422), form, { test: { ok: false, error: err.message } });
      }
    }
    const test = await testConnection({ ...checked.settings, hasPassword: bindPassword !== '', bindPassword });
    return render(test.ok ? reply : reply.code(422), form, { test });
  });

  /** Runs the sync now, or confirms a run that stopped at the allowed share; it works in the background. */
  app.post<{ Body: Body }>('/settings/directory/sync', async (request, reply) => {
    if (!readDirectorySettings(db)) {
      reply.flash('error', 'Save the directory settings first.');
      return reply.redirect('/settings/directory', 303);
    }
    const confirmed = request.body?.confirm === '1';
    const run = sync.runNow({ confirmed, by: auditActor(request.actor) });
    if (!run) {
      reply.flash('info', 'A sync is already running. Its outcome shows here when it ends.');
    } else {
      void run.catch(() => undefined);
      reply.flash(
        'success',
        confirmed
          ? 'The sync is applying the changes you confirmed. Reload this page to see the outcome.'
          : 'The sync has started. Reload this page to see the outcome.',
      );
    }
    return reply.redirect('/settings/directory', 303);
  });
}
