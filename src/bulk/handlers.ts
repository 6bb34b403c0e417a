import type { JobSummary } from '../jobs/board.js';
import type { JobContext, JobOutcome } from '../jobs/run-job.js';
import { type AccessActionName, ACCESS_ACTIONS, applyAction } from './access.js';
import type { BulkOutcome } from './changed-set.js';
import { applyDelete, applyRestore, type TrashSelection } from './delete.js';
import { applyReset } from './passwords.js';
import type { Selection } from './selection.js';
import { applyUpdate, type BulkChanges } from './update.js';

/** The bulk actions that run as jobs, by kind; each is one transaction on the main database. */

const users = (n: number) => `${n.toLocaleString('en')} ${n === 1 ? 'user' : 'users'}`;

function summary(outcome: BulkOutcome, headline: string, links: JobSummary['links'] = []): JobSummary {
  const counts = [
    { label: 'Selected', value: outcome.selected },
    { label: 'Changed', value: outcome.changed },
    { label: 'Already as asked', value: Math.max(0, outcome.unchanged) },
    { label: 'Refused', value: outcome.refusedTotal },
  ].filter((c, i) => i < 2 || c.value > 0);
  return {
    headline,
    counts,
    refused: outcome.refused,
    refusedMore: outcome.refusedTotal - outcome.refused.length,
    links: [{ label: 'Back to the users list', href: '/users' }, ...links],
  };
}

export const BULK_HANDLERS = {
  'bulk.update': ({
    db,
    actor,
    params,
    requestId,
    progress,
  }: JobContext<{ selection: Selection; changes: BulkChanges }>) => {
    const outcome = applyUpdate(db, actor, params.selection, params.changes, requestId, progress);
    return { summary: summary(outcome, `${users(outcome.changed)} updated.`) };
  },

  'bulk.access': ({
    db,
    actor,
    params,
    requestId,
    progress,
  }: JobContext<{ selection: Selection; action: AccessActionName }>) => {
    const outcome = applyAction(db, actor, params.selection, params.action, requestId, progress);
    return { summary: summary(outcome, `${users(outcome.changed)} ${ACCESS_ACTIONS[params.action].done}.`) };
  },

  'bulk.delete': ({ db, actor, params, requestId, progress }: JobContext<{ selection: Selection }>) => {
    const outcome = applyDelete(db, actor, params.selection, requestId, progress);
    const restore = {
      label: `Restore these ${users(outcome.changed)}`,
      href: '/trash/restore',
      method: 'post' as const,
      fields: { deletedAt: String(outcome.deletedAt) },
    };
    return {
      summary: summary(outcome, `${users(outcome.changed)} moved to the trash.`, outcome.changed > 0 ? [restore] : []),
    };
  },

  'bulk.restore': ({ db, actor, params, requestId, progress }: JobContext<{ selection: TrashSelection }>) => {
    const outcome = applyRestore(db, actor, params.selection, requestId, progress);
    return {
      summary: summary(outcome, `${users(outcome.changed)} restored.`, [
        { label: 'Back to the trash', href: '/trash' },
      ]),
    };
  },

  'bulk.reset': async ({ db, actor, params, requestId, progress }: JobContext<{ selection: Selection }>) => {
    const outcome = await applyReset(db, actor, params.selection, requestId, progress);
    const { passwords, ...counts } = outcome;
    return {
      summary: summary(
        counts,
        `${users(passwords.length)} got a temporary password and must change it at their next sign-in.`,
      ),
      secret: passwords,
    };
  },
} satisfies Record<string, (context: JobContext<never>) => JobOutcome | Promise<JobOutcome>>;

export type BulkJobKind = keyof typeof BULK_HANDLERS;
