import { type JobContext, onlyIf } from '../jobs/job.js';
import { isSuperuser, mayEmail, mayImport } from '../access/policy.js';
import { welcomeImported } from '../mail/welcome-mail.js';
import { usersCount } from '../text.js';
import { JobRefusedError } from '../jobs/refused.js';
import type { ImportChoices } from './choices.js';
import type { KeptPreview } from './kept-preview.js';
import { previewOfCheck } from './preview.js';
import { checkRows } from './check-rows.js';
import { keepCheck, keptCheck } from './kept-check.js';
import { type ImportRow, mappedRows, readCsv } from './read-csv.js';
import { type StoredUpload, uploadStoreIn } from './upload-store.js';
import { writeImport } from './write-import.js';
import { directoryImportRows } from '../directory/import-rows.js';

/** `welcome`: send each new user a welcome mail (the preview's box, ticked by someone who may email). */
type ImportParams = { uploadId: string; usernames: string; maxRows: number; welcome?: boolean };

interface KeptChoices extends ImportChoices {
  checkJobId?: string;
}

/** The upload's rows through its mapping: what both jobs read, a source as any other. */
function rowsOf(upload: StoredUpload, choices: ImportChoices, maxRows: number) {
  const read = readCsv(upload.text, { maxRows });
  return 'problem' in read ? read : { rows: mappedRows(read, choices.mapping) };
}

/**
 * The import's two jobs: checking the rows for the preview, off the request path since a large
 * file takes seconds; and writing them, once the administrator has confirmed the preview.
 */
export const IMPORT_HANDLERS = {
  'users.import.check': onlyIf(
    mayImport,
    async ({ actor, params, progress, dataDir, db, secret }: JobContext<{ uploadId: string; maxRows: number }>) => {
      const store = uploadStoreIn(dataDir);
      const upload = store.find(actor.id, params.uploadId);
      let choices = store.choices(actor.id, params.uploadId) as KeptChoices | undefined;
      if (!upload || !choices) throw new JobRefusedError('The uploaded file is no longer kept. Upload it again.');
      let read: ReturnType<typeof rowsOf>;
      if (upload.source === 'directory') {
        if (!isSuperuser(actor)) throw new JobRefusedError('Only superusers may import from the directory.');
        progress('Reading the directory', 0, 2);
        const found = await directoryImportRows(db, secret ?? '', (n) =>
          progress(`Reading the directory: ${n.toLocaleString('en')} entries so far`, 0, 2),
        );
        // The directory's attribute map is the mapping, as it is now; the import writes with the same.
        choices = { ...choices, mapping: found.mapping };
        store.keepChoices(actor.id, upload.id, choices);
        read = { rows: found.rows };
      } else {
        progress('Reading the file', 0, 2);
        read = rowsOf(upload, choices, params.maxRows);
      }
      progress('Checking every row', 1, 2);
      if (!('problem' in read)) store.keepRows(actor.id, upload.id, read.rows);
      const kept: KeptPreview = {
        upload: {
          id: upload.id,
          filename: upload.filename,
          encoding: upload.encoding,
          chosen: upload.chosen,
          source: upload.source,
        },
        result:
          'problem' in read
            ? read
            : previewOfCheck(
                keepCheck(db, upload, actor, choices, (reading) => checkRows(reading, actor, read.rows, choices)),
              ),
      };
      store.keepPreview(actor.id, upload.id, kept);
      const href = `/users/import/${upload.id}`;
      return {
        // The check is kept in this process for the import that follows (kept-check.ts).
        keepsMemory: true,
        summary: {
          headline: `${upload.filename} is checked.`,
          counts: 'problem' in kept.result ? [] : [{ label: 'Rows', value: kept.result.total }],
          refused: [],
          refusedMore: 0,
          links: [{ label: 'Show the preview', href }],
        },
      };
    },
  ),
  'users.import': onlyIf(
    mayImport,
    ({ db, actor, params, requestId, progress, dataDir, outbox }: JobContext<ImportParams>) => {
      const store = uploadStoreIn(dataDir);
      const upload = store.find(actor.id, params.uploadId);
      const choices = store.choices(actor.id, params.uploadId) as KeptChoices | undefined;
      if (!upload || !choices) throw new JobRefusedError('The uploaded file is no longer kept. Upload it again.');
      // Should the directory have changed since the preview, the next visit shows it as it is now.
      store.forgetPreview(actor.id, upload.id);
      const kept = store.rows(actor.id, upload.id) as ImportRow[] | undefined;
      if (upload.source === 'directory' && !isSuperuser(actor))
        throw new JobRefusedError('Only superusers may import from the directory.');
      if (!kept && upload.source === 'directory')
        throw new JobRefusedError('The entries read from the directory are no longer kept. Check the directory again.');
      const read = kept ? { rows: kept } : rowsOf(upload, choices, params.maxRows ?? Infinity);
      // The preview read the same text; only a change to the code between the two could differ.
      if ('problem' in read) throw new JobRefusedError(read.problem);
      const welcome = params.welcome && mayEmail(actor) ? welcomeImported.bind(null, outbox, actor) : undefined;
      const outcome = writeImport(
        db,
        actor,
        read.rows,
        choices,
        params.usernames,
        requestId,
        progress,
        new Date(),
        welcome,
        (tx) => keptCheck(tx, upload, actor, choices),
      );
      // Confirming twice must not try to write the same users again.
      store.remove(actor.id, upload.id);
      // Only new users: when they were created; with updates, when they were last written.
      const field = outcome.updated === 0 ? 'created' : 'updated';
      const since = new URLSearchParams({ field, op: 'after', value: new Date(outcome.at).toISOString() });
      const written = outcome.created + outcome.updated;
      return {
        summary: {
          headline:
            outcome.updated === 0
              ? `${usersCount(outcome.created)} imported from ${upload.filename}.`
              : `${usersCount(written)} written from ${upload.filename}: ${outcome.created.toLocaleString('en')} created, ${outcome.updated.toLocaleString('en')} updated.`,
          note: welcome
            ? `${usersCount(outcome.welcomed)} with an email address will get a welcome mail with a link to choose their password.`
            : outcome.created > 0
              ? "New users have no password yet. When they should sign in, select them in the list and choose Reset password, or send a set-password link from a user's page."
              : undefined,
          counts: [
            { label: 'Created', value: outcome.created },
            ...(welcome ? [{ label: 'Welcome mails', value: outcome.welcomed }] : []),
            { label: 'Updated', value: outcome.updated },
            { label: 'Unchanged', value: outcome.unchanged },
          ],
          refused: [],
          refusedMore: 0,
          links: [
            ...(written > 0 ? [{ label: 'Show the imported users', href: `/users?${since}&sort=-${field}` }] : []),
            upload.source === 'directory'
              ? { label: 'Import from the directory again', href: '/users/import/directory' }
              : { label: 'Import another file', href: '/users/import' },
          ],
        },
      };
    },
  ),
};
