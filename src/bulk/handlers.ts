import type { JobLink, JobSummary } from '../jobs/board.js';
import { usersCount } from '../text.js';
import { type JobContext, type JobOutcome, onlyIf } from '../jobs/job.js';
import { mayChangeAccess, mayDeleteUsers, mayEditUsers } from '../access/policy.js';
import { type AccessActionName, ACCESS_ACTIONS, applyAction } from './access.js';
import type { BulkOutcome } from './changed-set.js';
import { applyDelete, applyRestore, type TrashSelection } from './delete.js';
import { applyReset } from './passwords.js';
import type { Selection } from './selection.js';
import { applyUpdate, type BulkChanges } from './update.js';

/** The bulk actions that run as jobs, by kind; each is one transaction on the main database. */

/** What every bulk job is given: its selection, and the list its summary leads back to. */
type Params<P = object> = JobContext<P & { selection: Selection; back: JobLink }>;

export function summary(outcome: BulkOutcome, headline: string, links: JobLink[]): JobSummary {
  const counts = [
    { label: 'Selected', value: outcome.selected },
    { label: 'Changed', value: outcome.changed },
    { label: 'Already as asked', value: outcome.unchanged },
    { label: 'Refused', value: outcome.refusedTotal },
  ].filter((c, i) => i < 2 || c.value > 0);
  return {
    headline,
    counts,
    refused: outcome.refused,
    refusedMore: outcome.refusedTotal - outcome.refused.length,
    links,
  };
}

export const BULK_HANDLERS = {
  'bulk.update': onlyIf(
    mayEditUsers,
    ({ db, actor, params, requestId, progress }: Params<{ changes: BulkChanges }>) => {
      const outcome = applyUpdate(db, actor, params.selection, params.changes, requestId, progress);
      return { summary: summary(outcome, `${usersCount(outcome.changed)} updated.`, [params.back]) };
    },
  ),

  'bulk.access': onlyIf(
    mayChangeAccess,
    ({ db, actor, params, requestId, progress }: Params<{ action: AccessActionName }>) => {
      const outcome = applyAction(db, actor, params.selection, params.action, requestId, progress);
      const done = ACCESS_ACTIONS[params.action].done;
      return { summary: summary(outcome, `${usersCount(outcome.changed)} ${done}.`, [params.back]) };
    },
  ),

  'bulk.delete': onlyIf(mayDeleteUsers, ({ db, actor, params, requestId, progress }: Params) => {
    const outcome = applyDelete(db, actor, params.selection, requestId, progress);
    const restore: JobLink = {
      label: `Restore these ${usersCount(outcome.changed)}`,
      href: '/trash/restore',
      method: 'post',
      fields: { deletedAt: String(outcome.deletedAt) },
    };
    const links = outcome.changed > 0 ? [params.back, restore] : [params.back];
    return { summary: summary(outcome, `${usersCount(outcome.changed)} moved to the trash.`, links) };
  }),

  'bulk.restore': onlyIf(
    mayDeleteUsers,
    ({ db, actor, params, requestId, progress }: JobContext<{ selection: TrashSelection; back: JobLink }>) => {
      const outcome = applyRestore(db, actor, params.selection, requestId, progress);
      return { summary: summary(outcome, `${usersCount(outcome.changed)} restored.`, [params.back]) };
    },
  ),

  'bulk.reset': onlyIf(mayChangeAccess, async ({ db, actor, params, requestId, progress, outbox }: Params) => {
    const { passwords, mailed, ...outcome } = await applyReset(
      db,
      actor,
      params.selection,
      requestId,
      progress,
      outbox,
    );
    const byMail = `${usersCount(mailed)} will get a set-password link by email.`;
    const byPassword = `${usersCount(passwords.length)} got a temporary password and must change it at their next sign-in.`;
    const headline = mailed === 0 ? byPassword : passwords.length === 0 ? byMail : `${byMail} ${byPassword}`;
    const result = summary(outcome, headline, [params.back]);
    if (mailed > 0)
      result.counts.push(
        { label: 'Links by email', value: mailed },
        { label: 'Temporary passwords', value: passwords.length },
      );
    // Only temporary passwords are secrets to show; links travel by mail and are never shown.
    return { summary: result, secret: passwords.length > 0 ? passwords : undefined };
  }),
} satisfies Record<string, (context: JobContext<never>) => JobOutcome | Promise<JobOutcome>>;

export type BulkJobKind = keyof typeof BULK_HANDLERS;
