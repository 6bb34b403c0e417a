import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { isSuperuser } from '../access/policy.js';
import { IMPORT_COLUMNS } from '../imports/columns.js';
import { choiceProblems, type ImportChoices, IMPORT_MODES, MATCH_KEYS, readChoices } from '../imports/choices.js';
import { uploadStoreIn } from '../imports/upload-store.js';
import { formOptions } from '../user/user-form.js';
import { readDirectorySettings } from './directory-settings.js';
import { directoryMapping } from './import-rows.js';
import { keepImportChoices, keptImportChoices } from './import-choices.js';

/**
 * Importing from the directory (F3), superusers only: the same choices as for a CSV file except
 * the columns (the attribute map on the directory settings page is the mapping), then the same
 * check job, preview and all-or-nothing import, under /users/import/:id.
 */
export default async function directoryImportRoutes(app: FastifyInstance) {
  const store = uploadStoreIn(app.config.dataDir);
  app.addHook('preHandler', allowedIf(isSuperuser, 'import from the directory'));

  function page(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    choices: ImportChoices,
    errors: Record<string, string> = {},
  ) {
    const settings = readDirectorySettings(app.db);
    reply.header('Cache-Control', 'no-store');
    return reply.code(status).view('imports/directory', {
      title: 'Import from the directory',
      settings,
      server: settings && new URL(settings.url).host,
      choices,
      errors,
      modes: IMPORT_MODES,
      matchKeys: MATCH_KEYS,
      userTypes: formOptions(app.db).userTypes,
      mayCreateMissing: isSuperuser(request.actor),
    });
  }

  app.get('/users/import/directory', async (request, reply) => {
    const settings = readDirectorySettings(app.db);
    const kept = keptImportChoices(app.db);
    return page(request, reply, 200, {
      mapping: settings ? directoryMapping(settings.attributeMap) : [],
      mode: kept?.mode ?? 'both',
      matchOn: kept?.matchOn ?? 'username',
      defaultUserTypeId: kept?.defaultUserTypeId ?? null,
      createMissing: kept?.createMissing ?? false,
    });
  });

  app.post<{ Body: Record<string, unknown> }>('/users/import/directory', async (request, reply) => {
    const settings = readDirectorySettings(app.db);
    if (!settings) {
      reply.flash('error', 'Set up the directory first: its server, bind DN and base DN.');
      return reply.redirect('/settings/directory', 303);
    }
    const mapping = directoryMapping(settings.attributeMap);
    const choices = { ...readChoices(request.body ?? {}, 0, isSuperuser(request.actor)), mapping };
    const userTypes = formOptions(app.db).userTypes;
    const errors = choiceProblems(
      choices,
      mapping.map((field) => (field ? IMPORT_COLUMNS[field].header : '')),
      (id) => userTypes.some((t) => t.id === id),
    );
    // A directory has no user type at all: said as such rather than as a missing column.
    if (errors.defaultUserType && choices.defaultUserTypeId === null)
      errors.defaultUserType = 'Choose the user type new users get.';
    if (Object.keys(errors).length > 0) return page(request, reply, 422, choices, errors);
    keepImportChoices(app.db, choices, request.actor.id);

    const host = new URL(settings.url).hostname;
    const id = store.save(request.actor.id, {
      filename: `the directory at ${host}`,
      encoding: 'LDAP',
      text: '',
      source: 'directory',
    });
    store.keepChoices(request.actor.id, id, choices);
    const checkJobId = app.jobs.runner.start({
      kind: 'users.import.check',
      title: `Read and check the directory at ${host}`,
      actorId: request.actor.id,
      params: { uploadId: id, maxRows: app.config.importMaxRows },
      requestId: request.id,
    });
    store.keepChoices(request.actor.id, id, { ...choices, checkJobId });
    return reply.redirect(`/users/import/${id}`, 303);
  });
}
