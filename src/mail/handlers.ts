import { mayEmail } from '../access/policy.js';
import type { BulkOutcome } from '../bulk/changed-set.js';
import type { Selection } from '../bulk/selection.js';
import type { JobLink, JobSummary } from '../jobs/board.js';
import { type JobContext, type JobOutcome, onlyIf } from '../jobs/job.js';
import { JobRefusedError } from '../jobs/refused.js';
import { usersCount } from '../text.js';
import { applyMailAction } from './bulk-mail.js';
import { MAIL_ACTIONS, type MailActionName, mayMail } from './mail-actions.js';

type Params = JobContext<{ selection: Selection; action: MailActionName; back: JobLink }>;

function mailSummary(outcome: BulkOutcome, action: MailActionName, back: JobLink): JobSummary {
  const counts = [
    { label: 'Selected', value: outcome.selected },
    { label: 'Emailed', value: outcome.changed },
    { label: 'Skipped: no email address', value: outcome.unchanged },
    { label: 'Left alone', value: outcome.refusedTotal },
  ].filter((c, i) => i < 2 || c.value > 0);
  return {
    headline: `${usersCount(outcome.changed)} ${MAIL_ACTIONS[action].done}.`,
    counts,
    refused: outcome.refused,
    refusedMore: outcome.refusedTotal - outcome.refused.length,
    links: [back],
  };
}

/** The mail actions on a selection, as jobs: the permission is asked again when the job starts. */
export const MAIL_HANDLERS = {
  'mail.bulk': onlyIf(mayEmail, ({ db, actor, params, requestId, progress, outbox }: Params) => {
    if (!mayMail(actor, params.action)) throw new JobRefusedError('You may no longer do this.');
    const outcome = applyMailAction(db, actor, params.selection, params.action, requestId, progress, outbox);
    return { summary: mailSummary(outcome, params.action, params.back) };
  }),
} satisfies Record<string, (context: JobContext<never>) => JobOutcome | Promise<JobOutcome>>;

export type MailJobKind = keyof typeof MAIL_HANDLERS;
