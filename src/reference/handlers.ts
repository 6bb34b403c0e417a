import type { JobLink } from '../jobs/board.js';
import type { JobContext, JobOutcome } from '../jobs/job.js';
import { JobRefusedError } from '../jobs/refused.js';
import { mayManageReferenceLists } from '../access/policy.js';
import { usersCount } from '../text.js';
import type { ReferenceList } from './reference-tables.js';
import { listByKey } from './list-specs.js';
import { ListRefusedError, mergeItems, renameItem } from './list-writes.js';

/** The list changes that run as jobs: merges always, renames of items many users hold. */

interface ListParams {
  list: ReferenceList;
  back: JobLink;
}

/** The job acts for the administrator as they are now: one no longer a superuser may not. */
function asSuperuser<P extends ListParams>(work: (context: JobContext<P>) => JobOutcome) {
  return (context: JobContext<P>): JobOutcome => {
    if (!mayManageReferenceLists(context.actor)) throw new JobRefusedError('You may no longer manage reference lists.');
    try {
      return work(context);
    } catch (error) {
      if (error instanceof ListRefusedError) throw new JobRefusedError(error.message);
      throw error;
    }
  };
}

export const LIST_HANDLERS = {
  'list.merge': asSuperuser<ListParams & { fromId: number; intoId: number }>(
    ({ db, actor, params, requestId, progress }) => {
      const spec = listByKey(params.list);
      const outcome = mergeItems(db, actor, spec, params.fromId, params.intoId, requestId, progress);
      return {
        summary: {
          headline: `“${outcome.from}” was merged into “${outcome.into}”: ${usersCount(outcome.moved)} moved.`,
          note: `“${outcome.from}” is no longer in the ${spec.items}; administrators whose scope named it now have “${outcome.into}”.`,
          counts: [{ label: 'Users moved', value: outcome.moved }],
          refused: [],
          refusedMore: 0,
          links: [params.back],
        },
      };
    },
  ),

  'list.rename': asSuperuser<ListParams & { id: number; name: string }>(
    ({ db, actor, params, requestId, progress }) => {
      const spec = listByKey(params.list);
      const { before, users } = renameItem(db, actor, spec, params.id, params.name, requestId, progress);
      return {
        summary: {
          headline: `“${before}” was renamed to “${params.name}”.`,
          counts: [{ label: 'Users who show the new name', value: users }],
          refused: [],
          refusedMore: 0,
          links: [params.back],
        },
      };
    },
  ),
} satisfies Record<string, (context: JobContext<never>) => JobOutcome>;

export type ListJobKind = keyof typeof LIST_HANDLERS;
