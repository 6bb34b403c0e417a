import type { JobLink } from '../jobs/board.js';
import { usersCount } from '../text.js';
import { type JobContext, type JobOutcome, onlyIf } from '../jobs/job.js';
import { mayDeleteUsers } from '../access/policy.js';
import { summary } from '../bulk/handlers.js';
import type { TrashSelection } from '../bulk/delete.js';
import { applyPurge } from './bulk-purge.js';

/** The trash's own job: deleting a selection for good (restoring runs as bulk.restore). */
export const TRASH_HANDLERS = {
  'trash.purge': onlyIf(
    mayDeleteUsers,
    ({ db, actor, params, requestId, progress }: JobContext<{ selection: TrashSelection; back: JobLink }>) => {
      const outcome = applyPurge(db, actor, params.selection, requestId, progress);
      return { summary: summary(outcome, `${usersCount(outcome.changed)} deleted permanently.`, [params.back]) };
    },
  ),
} satisfies Record<string, (context: JobContext<never>) => JobOutcome | Promise<JobOutcome>>;
