import { mayEmail } from '../access/policy.js';
import { summary } from '../bulk/handlers.js';
import type { Selection } from '../bulk/selection.js';
import type { JobLink } from '../jobs/board.js';
import { type JobContext, type JobOutcome, onlyIf } from '../jobs/job.js';
import { JobRefusedError } from '../jobs/refused.js';
import { usersCount } from '../text.js';
import { applyMailAction } from './bulk-mail.js';
import { MAIL_ACTIONS, type MailActionName, mayMail } from './mail-actions.js';

type Params = JobContext<{ selection: Selection; action: MailActionName; back: JobLink }>;

/** What a mail action's counts are called: an unchanged user is one without an address. */
const MAIL_WORDS = { changed: 'Emailed', unchanged: 'Skipped: no email address', refused: 'Left alone' };

/** The mail actions on a selection, as jobs: the permission is asked again when the job starts. */
export const MAIL_HANDLERS = {
  'mail.bulk': onlyIf(mayEmail, ({ db, actor, params, requestId, progress, outbox }: Params) => {
    if (!mayMail(actor, params.action)) throw new JobRefusedError('You may no longer do this.');
    const outcome = applyMailAction(db, actor, params.selection, params.action, requestId, progress, outbox);
    const headline = `${usersCount(outcome.changed)} ${MAIL_ACTIONS[params.action].done}.`;
    return { summary: summary(outcome, headline, [params.back], MAIL_WORDS) };
  }),
} satisfies Record<string, (context: JobContext<never>) => JobOutcome | Promise<JobOutcome>>;

export type MailJobKind = keyof typeof MAIL_HANDLERS;
