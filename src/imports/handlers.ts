import { type JobContext, onlyIf } from '../jobs/job.js';
import { mayEmail, mayImport } from '../access/policy.js';
import { welcomeImported } from '../mail/welcome-mail.js';
import { usersCount } from '../text.js';
import { JobRefusedError } from '../jobs/refused.js';
import { readCsv } from './read-csv.js';
import { uploadStoreIn } from './upload-store.js';
import { writeImport } from './write-import.js';

/** `welcome`: send each new user a welcome mail (the preview's box, ticked by someone who may email). */
type ImportParams = { uploadId: string; usernames: string; welcome?: boolean };

/** The import's job: the upload is read again by the administrator who made it, and written. */
export const IMPORT_HANDLERS = {
  'users.import': onlyIf(
    mayImport,
    ({ db, actor, params, requestId, progress, dataDir, outbox }: JobContext<ImportParams>) => {
      const store = uploadStoreIn(dataDir);
      const upload = store.find(actor.id, params.uploadId);
      if (!upload) throw new JobRefusedError('The uploaded file is no longer kept. Upload it again.');
      // Should the directory have changed since the preview, the next visit shows it as it is now.
      store.forgetPreview(actor.id, upload.id);
      const read = readCsv(upload.text);
      // The preview read the same text; only a change to the code between the two could differ.
      if ('problem' in read) throw new JobRefusedError(read.problem);
      const welcome = params.welcome && mayEmail(actor) ? welcomeImported.bind(null, outbox, actor) : undefined;
      const outcome = writeImport(db, actor, read.rows, params.usernames, requestId, progress, new Date(), welcome);
      // Confirming twice must not try to create the same users again.
      store.remove(actor.id, upload.id);
      const since = new URLSearchParams({ field: 'created', op: 'after', value: new Date(outcome.at).toISOString() });
      return {
        summary: {
          headline: `${usersCount(outcome.created)} imported from ${upload.filename}.`,
          note: welcome
            ? `${usersCount(outcome.welcomed)} with an email address will get a welcome mail with a link to choose their password.`
            : "They have no password yet. When they should sign in, select them in the list and choose Reset password, or send a set-password link from a user's page.",
          counts: [
            { label: 'Created', value: outcome.created },
            ...(welcome ? [{ label: 'Welcome mails', value: outcome.welcomed }] : []),
          ],
          refused: [],
          refusedMore: 0,
          links: [
            { label: 'Show the imported users', href: `/users?${since}&sort=-created` },
            { label: 'Import another file', href: '/users/import' },
          ],
        },
      };
    },
  ),
};
