import multipart from '@fastify/multipart';
import { stringify } from 'csv-stringify/sync';
import { csvDownload } from '../csv-download.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oneFileUpload } from '../plugins/file-upload.js';
import { allowedIf } from '../access/guards.js';
import { isSuperuser, mayImport } from '../access/policy.js';
import { IMPORT_COLUMNS, MAPPABLE_FIELDS, REQUIRED_FIELDS, templateFields, templateHeaders } from './columns.js';
import { decodeAs, decodeUpload, ENCODINGS, isEncoding } from './decode.js';
import { errorReport } from './error-report.js';
import { readCsv } from './read-csv.js';
import { emptyLists } from '../reference/reference-lists.js';
import { formOptions } from '../user/user-form.js';
import { KEPT_MS, type StoredUpload, uploadStoreIn } from './upload-store.js';
import { welcomeOffered } from '../mail/welcome-mail.js';
import { choiceProblems, type ImportChoices, IMPORT_MODES, MATCH_KEYS, readChoices } from './choices.js';
import { rememberMapping, startingMapping } from './mappings.js';
import type { KeptPreview } from './kept-preview.js';
import { fragmentAsked } from '../htmx.js';

const FILE_FIELD = 'file';

const sendCsv = (reply: FastifyReply, filename: string, rows: string[][]) =>
  csvDownload(reply, filename).send(stringify(rows, { bom: true }));

/**
 * Importing users from a CSV file (F2): upload, a preview with every problem, then the import
 * as one all-or-nothing job. The file waits in the data directory between the two steps, under
 * an id only its uploader can use.
 */
export default async function importRoutes(app: FastifyInstance) {
  const { importMaxRows: maxRows, importMaxMegabytes: maxMegabytes } = app.config;
  const upload = oneFileUpload(FILE_FIELD, { fileSize: maxMegabytes * 1024 * 1024, fields: 5, fieldSize: 1024 });
  await app.register(multipart, upload.options);
  const store = uploadStoreIn(app.config.dataDir);

  // Adding users is for superusers (see user-routes.ts), and importing adds users.
  app.addHook('preHandler', allowedIf(mayImport, 'import users'));

  function uploadPage(reply: FastifyReply, status: number, error?: string) {
    return reply.code(status).view('imports/upload', {
      title: 'Import users',
      error,
      columns: templateFields().map((f) => ({ ...IMPORT_COLUMNS[f], required: REQUIRED_FIELDS.includes(f) })),
      maxMegabytes,
      maxRows,
      emptyLists: emptyLists(app.db),
    });
  }

  /** The administrator's own upload, or a 404 for anyone else's, an expired or a made-up one. */
  function ownUpload(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const found = store.find(request.actor.id, request.params.id);
    if (!found) reply.callNotFound();
    return found;
  }

  /** The headers of an upload, read again from its text: cheap, only the first line is parsed. */
  function headersOf(stored: StoredUpload) {
    const read = readCsv(stored.text, { onlyHeader: true });
    return 'problem' in read ? read : { headers: read.headers };
  }

  /** The mapping page: each column with the field it fills, and what importing does. */
  function mappingPage(
    request: FastifyRequest,
    reply: FastifyReply,
    stored: StoredUpload,
    headers: string[],
    status: number,
    shown: { choices: ImportChoices; remembered: boolean; errors?: Record<string, string> },
  ) {
    const samples = readCsv(stored.text, { onlyHeader: true });
    const firstRow = 'problem' in samples ? [] : (samples.records[0]?.values ?? []);
    reply.header('Cache-Control', 'no-store');
    return reply.code(status).view('imports/mapping', {
      title: 'Match the columns',
      upload: stored,
      columns: headers.map((header, i) => ({
        header,
        example: firstRow[i] ?? '',
        field: shown.choices.mapping[i] ?? '',
      })),
      fields: MAPPABLE_FIELDS,
      modes: IMPORT_MODES,
      matchKeys: MATCH_KEYS,
      userTypes: formOptions(app.db).userTypes,
      choices: shown.choices,
      remembered: shown.remembered,
      errors: shown.errors ?? {},
      mayCreateMissing: isSuperuser(request.actor),
      encodings: ENCODINGS,
    });
  }

  /** Checks the rows with these choices, off the request path; the preview is kept when it is done. */
  function startCheck(request: FastifyRequest, stored: StoredUpload, choices: ImportChoices) {
    store.forgetPreview(request.actor.id, stored.id);
    // Kept before the job starts, which reads them; then again with the job's id.
    store.keepChoices(request.actor.id, stored.id, choices);
    const checkJobId = app.jobs.runner.start({
      kind: 'users.import.check',
      title: `Check ${stored.filename}`,
      actorId: request.actor.id,
      params: { uploadId: stored.id, maxRows },
      requestId: request.id,
    });
    store.keepChoices(request.actor.id, stored.id, { ...choices, checkJobId });
    return checkJobId;
  }

  app.get('/users/import', async (_request, reply) => uploadPage(reply, 200));

  app.get('/users/import/template.csv', async (_request, reply) =>
    sendCsv(reply, 'roster-users-template.csv', [templateHeaders()]),
  );

  app.post('/users/import', async (request, reply) => {
    const file = upload.read(request);
    if (!file) return uploadPage(reply, 422, 'Choose a CSV file to import.');
    if (file.truncated) {
      return uploadPage(reply, 413, `This file is larger than ${maxMegabytes} MB. Split it into smaller files.`);
    }
    const decoded = await decodeUpload(file.data);
    if ('problem' in decoded) return uploadPage(reply, 422, decoded.problem);
    const id = store.save(
      request.actor.id,
      { filename: file.filename.slice(0, 200) || 'upload.csv', encoding: decoded.encoding, text: decoded.text },
      file.data,
    );
    return reply.redirect(`/users/import/${id}/columns`, 303);
  });

  app.get<{ Params: { id: string } }>('/users/import/:id/columns', async (request, reply) => {
    const stored = ownUpload(request, reply);
    if (!stored) return reply;
    if (stored.source === 'directory') return reply.redirect(choicesPage(stored));
    const read = headersOf(stored);
    if ('problem' in read) return uploadPage(reply, 422, `${stored.filename}: ${read.problem}`);
    const kept = store.choices(request.actor.id, stored.id) as ImportChoices | undefined;
    const start = startingMapping(app.db, read.headers);
    const choices: ImportChoices = kept ?? {
      mapping: start.mapping,
      mode: 'create',
      matchOn: 'username',
      defaultUserTypeId: null,
      createMissing: false,
    };
    return mappingPage(request, reply, stored, read.headers, 200, { choices, remembered: start.remembered });
  });

  // The mapping chosen: remembered for these headers, then the rows are checked by a job.
  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/users/import/:id/columns',
    async (request, reply) => {
      const stored = ownUpload(request, reply);
      if (!stored) return reply;
      const read = headersOf(stored);
      if ('problem' in read) return uploadPage(reply, 422, `${stored.filename}: ${read.problem}`);
      const choices = readChoices(request.body ?? {}, read.headers.length, isSuperuser(request.actor));
      const userTypes = formOptions(app.db).userTypes;
      const errors = choiceProblems(choices, read.headers, (id) => userTypes.some((t) => t.id === id));
      if (Object.keys(errors).length > 0)
        return mappingPage(request, reply, stored, read.headers, 422, { choices, remembered: false, errors });
      rememberMapping(app.db, read.headers, choices.mapping, request.actor.id);
      startCheck(request, stored, choices);
      return reply.redirect(`/users/import/${stored.id}`, 303);
    },
  );

  /**
   * The preview, once the check job has kept it. While the job runs the page shows its progress
   * and asks again; when it is done an htmx request is sent on to the whole page.
   */
  app.get<{ Params: { id: string } }>('/users/import/:id', async (request, reply) => {
    const stored = ownUpload(request, reply);
    if (!stored) return reply;
    reply.header('Cache-Control', 'no-store');
    const kept = store.keptPreview(request.actor.id, stored.id) as KeptPreview | undefined;
    const choices = store.choices(request.actor.id, stored.id) as (ImportChoices & { checkJobId?: string }) | undefined;
    if (!choices) return reply.redirect(choicesPage(stored));
    if (!kept) {
      let job = choices.checkJobId ? app.jobs.board.get(choices.checkJobId) : undefined;
      // Checked before, and forgotten since (an import found Roster changed): checked again as it is now.
      if (!job || job.state === 'done') job = app.jobs.board.get(startCheck(request, stored, choices))!;
      if (job.state === 'failed') {
        reply.flash('error', job.error ?? 'The file could not be checked.');
        return reply.redirect(choicesPage(stored));
      }
      const percent = job.total > 0 ? Math.round((job.done / job.total) * 100) : null;
      const data = { title: 'Checking the file', upload: stored, phase: job.phase, percent };
      return reply.view(fragmentAsked(request, reply) ? 'imports/_checking' : 'imports/checking', data);
    }
    // Checked while the page was polling: the whole preview replaces the progress.
    if (fragmentAsked(request, reply))
      return reply.header('HX-Redirect', `/users/import/${stored.id}`).code(204).send();
    const { result: preview } = kept;
    // A file with a problem of its own (no header, unclosed quote…) goes back to the upload form.
    if ('problem' in preview) return uploadPage(reply, 422, `${stored.filename}: ${preview.problem}`);
    const headers = headersOf(stored);
    return reply.view('imports/preview', {
      leftOut: 'problem' in headers ? [] : headers.headers.filter((h, i) => h && !choices.mapping[i]),
      title: 'Import preview',
      upload: kept.upload,
      preview,
      choices,
      modes: IMPORT_MODES,
      changeLabels: CHANGE_LABELS,
      encodings: ENCODINGS,
      keptMinutes: KEPT_MS / 60_000,
      offerWelcome: welcomeOffered(app.db, request.actor),
      fromDirectory: stored.source === 'directory',
    });
  });

  app.get<{ Params: { id: string } }>('/users/import/:id/errors.csv', async (request, reply) => {
    const stored = ownUpload(request, reply);
    if (!stored) return reply;
    const preview = (store.keptPreview(request.actor.id, stored.id) as KeptPreview | undefined)?.result;
    if (!preview || 'problem' in preview) return reply.redirect(`/users/import/${stored.id}`);
    return sendCsv(reply, `${baseName(stored)}-errors.csv`, errorReport(preview));
  });

  // Reads the kept bytes again in the encoding chosen (or the same one, to check the rows again).
  app.post<{ Params: { id: string }; Body: { encoding?: string } }>(
    '/users/import/:id/encoding',
    async (request, reply) => {
      const stored = ownUpload(request, reply);
      if (!stored) return reply;
      const back = `/users/import/${stored.id}/columns`;
      const encoding = String(request.body?.encoding ?? '');
      const bytes = store.bytes(request.actor.id, stored.id);
      if (!isEncoding(encoding)) reply.flash('error', 'Choose one of the encodings in the list.');
      else if (!bytes) reply.flash('error', 'This file was uploaded before it could be read again. Upload it again.');
      else {
        const decoded = decodeAs(bytes, encoding);
        if ('problem' in decoded) reply.flash('error', decoded.problem);
        else store.replaceText(request.actor.id, stored.id, decoded);
      }
      return reply.redirect(back, 303);
    },
  );

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/users/import/:id', async (request, reply) => {
    const stored = ownUpload(request, reply);
    if (!stored) return reply;
    const welcome = request.body?.sendWelcome === 'on' && welcomeOffered(app.db, request.actor);
    // The job checks every row again inside its transaction and refuses the whole file on any problem.
    const jobId = app.jobs.runner.start({
      kind: 'users.import',
      title: `Import ${stored.filename}`,
      actorId: request.actor.id,
      params: {
        uploadId: stored.id,
        usernames: String(request.body?.usernames ?? '').slice(0, 100),
        maxRows,
        welcome,
      },
      requestId: request.id,
    });
    return reply.redirect(`/jobs/${jobId}`, 303);
  });
}

/** Each changed field as the preview names it, by the audit's key. */
const CHANGE_LABELS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(IMPORT_COLUMNS).map(([field, c]) => [field, c.header])),
  kind: 'Kind',
  directoryId: 'Directory entry',
};

/** Where the choices for an upload are made: its columns, or the directory import's page. */
const choicesPage = (stored: Pick<StoredUpload, 'id' | 'source'>) =>
  stored.source === 'directory' ? '/users/import/directory' : `/users/import/${stored.id}/columns`;

/** The uploaded file's name without its extension, safe inside a Content-Disposition header. */
const baseName = (stored: Pick<StoredUpload, 'filename'>) =>
  stored.filename
    .replace(/\.[^.]*$/, '')
    .replace(/[^\w.-]+/g, '_')
    .slice(0, 80) || 'import';
