import multipart from '@fastify/multipart';
import { stringify } from 'csv-stringify/sync';
import { csvDownload } from '../csv-download.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { oneFileUpload } from '../plugins/file-upload.js';
import { allowedIf } from '../access/guards.js';
import { mayImport } from '../access/policy.js';
import { IMPORT_COLUMNS, IMPORT_FIELDS, REQUIRED_FIELDS, templateHeaders } from './columns.js';
import { decodeAs, decodeUpload, ENCODINGS, isEncoding } from './decode.js';
import { keptPreview } from './preview.js';
import { errorReport } from './error-report.js';
import { MAX_ROWS } from './read-csv.js';
import { emptyLists } from '../reference/reference-lists.js';
import { KEPT_MS, type StoredUpload, uploadStoreIn } from './upload-store.js';
import { welcomeOffered } from '../mail/welcome-mail.js';

const IMPORT_MAX_BYTES = 10 * 1024 * 1024;
const FILE_FIELD = 'file';
const upload = oneFileUpload(FILE_FIELD, { fileSize: IMPORT_MAX_BYTES, fields: 5, fieldSize: 1024 });

const sendCsv = (reply: FastifyReply, filename: string, rows: string[][]) =>
  csvDownload(reply, filename).send(stringify(rows, { bom: true }));

/**
 * Importing users from a CSV file (F2): upload, a preview with every problem, then the import
 * as one all-or-nothing job. The file waits in the data directory between the two steps, under
 * an id only its uploader can use.
 */
export default async function importRoutes(app: FastifyInstance) {
  await app.register(multipart, upload.options);
  const store = uploadStoreIn(app.config.dataDir);

  // Adding users is for superusers (see user-routes.ts), and importing adds users.
  app.addHook('preHandler', allowedIf(mayImport, 'import users'));

  function uploadPage(reply: FastifyReply, status: number, error?: string) {
    return reply.code(status).view('imports/upload', {
      title: 'Import users',
      error,
      columns: IMPORT_FIELDS.map((f) => ({ ...IMPORT_COLUMNS[f], required: REQUIRED_FIELDS.includes(f) })),
      maxMegabytes: IMPORT_MAX_BYTES / 1024 / 1024,
      maxRows: MAX_ROWS,
      emptyLists: emptyLists(app.db),
    });
  }

  /** The administrator's own upload, or a 404 for anyone else's, an expired or a made-up one. */
  function ownUpload(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const found = store.find(request.actor.id, request.params.id);
    if (!found) reply.callNotFound();
    return found;
  }

  /** The preview of the administrator's own upload, as kept with it, or a 404 as ownUpload. */
  function ownPreview(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const found = keptPreview(app.db, request.actor, store, request.params.id);
    if (!found) reply.callNotFound();
    return found;
  }

  app.get('/users/import', async (_request, reply) => uploadPage(reply, 200));

  app.get('/users/import/template.csv', async (_request, reply) =>
    sendCsv(reply, 'roster-users-template.csv', [templateHeaders()]),
  );

  app.post('/users/import', async (request, reply) => {
    const file = upload.read(request);
    if (!file) return uploadPage(reply, 422, 'Choose a CSV file to import.');
    if (file.truncated) {
      return uploadPage(
        reply,
        413,
        `This file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB. Split it into smaller files.`,
      );
    }
    const decoded = await decodeUpload(file.data);
    if ('problem' in decoded) return uploadPage(reply, 422, decoded.problem);
    const id = store.save(
      request.actor.id,
      { filename: file.filename.slice(0, 200) || 'upload.csv', encoding: decoded.encoding, text: decoded.text },
      file.data,
    );
    return reply.redirect(`/users/import/${id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/users/import/:id', async (request, reply) => {
    const kept = ownPreview(request, reply);
    if (!kept) return reply;
    const { upload: stored, result: preview } = kept;
    // A file with a problem of its own (no header, unclosed quote…) goes back to the upload form.
    if ('problem' in preview) return uploadPage(reply, 422, `${stored.filename}: ${preview.problem}`);
    reply.header('Cache-Control', 'no-store');
    return reply.view('imports/preview', {
      title: 'Import preview',
      upload: stored,
      preview,
      encodings: ENCODINGS,
      keptMinutes: KEPT_MS / 60_000,
      offerWelcome: welcomeOffered(app.db, request.actor),
    });
  });

  app.get<{ Params: { id: string } }>('/users/import/:id/errors.csv', async (request, reply) => {
    const kept = ownPreview(request, reply);
    if (!kept) return reply;
    const { upload: stored, result: preview } = kept;
    if ('problem' in preview) return reply.redirect(`/users/import/${stored.id}`);
    return sendCsv(reply, `${baseName(stored)}-errors.csv`, errorReport(preview));
  });

  // Reads the kept bytes again in the encoding chosen (or the same one, to check the rows again).
  app.post<{ Params: { id: string }; Body: { encoding?: string } }>(
    '/users/import/:id/encoding',
    async (request, reply) => {
      const stored = ownUpload(request, reply);
      if (!stored) return reply;
      const back = `/users/import/${stored.id}`;
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
      params: { uploadId: stored.id, usernames: String(request.body?.usernames ?? '').slice(0, 100), welcome },
      requestId: request.id,
    });
    return reply.redirect(`/jobs/${jobId}`, 303);
  });
}

/** The uploaded file's name without its extension, safe inside a Content-Disposition header. */
const baseName = (stored: Pick<StoredUpload, 'filename'>) =>
  stored.filename
    .replace(/\.[^.]*$/, '')
    .replace(/[^\w.-]+/g, '_')
    .slice(0, 80) || 'import';
