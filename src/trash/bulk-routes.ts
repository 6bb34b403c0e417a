import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ActionPreview, EVERYONE, previewAction } from '../bulk/changed-set.js';
import { resolveTrashSelection, restoreRules, type TrashSelection } from '../bulk/delete.js';
import { NOT_REFUSED, type Rule } from '../bulk/refusals.js';
import { IN_BULK, OutOfScopeError, readSelection, type Selection, selectionFields } from '../bulk/selection.js';
import { restoreSeatGains } from '../licences/bulk-seats.js';
import { seatShortfalls, shortfallWords } from '../licences/limits.js';
import type { JobLink } from '../jobs/board.js';
import { listQueryFromString } from '../list/list-query.js';
import { usersCount } from '../text.js';
import type { Actor } from '../access/actor.js';
import { purgeRules } from './bulk-purge.js';
import { parseTrashQuery, trashUrl } from './trash-list.js';

type Body = Record<string, unknown> | undefined;

/** What the trash's selection bar offers; both are one permission with the trash itself. */
const TRASH_ACTIONS = {
  restore: {
    title: 'Restore users',
    verb: 'Restore',
    job: 'bulk.restore',
    jobTitle: 'Restoring users',
    rules: (_actor: Actor): Rule[] => restoreRules(),
    danger: false,
    words: 'They come back to the users list as they were, and can sign in again if they could before.',
  },
  purge: {
    title: 'Delete users permanently',
    verb: 'Delete permanently',
    job: 'trash.purge',
    jobTitle: 'Deleting users permanently',
    rules: purgeRules,
    danger: true,
    words:
      'They and their memberships are erased and cannot be restored. The audit log keeps the record of what was done.',
  },
} as const;
type TrashAction = keyof typeof TRASH_ACTIONS;
const isTrashAction = (action: string): action is TrashAction => Object.hasOwn(TRASH_ACTIONS, action);

/** The first users a confirmation names. */
const NAMED = 10;

/** Ticked rows, or every user in the trash matching its search. */
const trashSelectionOf = (selection: Selection): TrashSelection =>
  'query' in selection ? { query: selection.query } : { ids: selection.ids };

/** The trash page the selection came from, with its search, for "Back" and "Cancel". */
function backTo(selection: Selection): string {
  const from = 'query' in selection ? selection.query : selection.from;
  return trashUrl(parseTrashQuery(Object.fromEntries(new URLSearchParams(from ?? ''))));
}

/**
 * Restoring and deleting for good many users of the trash at once: the selection bar posts the
 * action and the selection to /trash/bulk, which says exactly what will happen to whom; the
 * confirmation posts to /trash/bulk/apply, which starts the job. The selection is worked out
 * again, with scope, in the job's transaction.
 */
export default async function trashBulkRoutes(app: FastifyInstance) {
  const { db } = app;

  /** A form that cannot be read (422), or a selection that is not the administrator's to act on (403). */
  function refuse(reply: FastifyReply, error: string, status = 422, back = '/trash') {
    return reply.code(status).view('bulk/refused', { title: 'Nothing was changed', error, back });
  }

  function withAction(
    request: FastifyRequest<{ Body: Body }>,
    reply: FastifyReply,
    then: (action: TrashAction, selection: Selection) => unknown,
  ) {
    const action = String(request.body?.action ?? '');
    if (!isTrashAction(action)) return refuse(reply, 'Choose Restore or Delete permanently for the selected users.');
    const selection = readSelection(request.body);
    if ('error' in selection) return refuse(reply, selection.error);
    if ('query' in selection && listQueryFromString(selection.query).invalidFilter) {
      return refuse(reply, 'The selection cannot be read: select the users again.');
    }
    try {
      return then(action, selection);
    } catch (error) {
      if (error instanceof OutOfScopeError) return refuse(reply, error.message, 403, backTo(selection));
      throw error;
    }
  }

  app.post<{ Body: Body }>('/trash/bulk', async (request, reply) =>
    withAction(request, reply, (action, selection) => {
      const spec = TRASH_ACTIONS[action];
      const { preview, problem } = db.transaction((tx) => {
        const previewed: ActionPreview = previewAction(
          tx,
          resolveTrashSelection(tx, request.actor, trashSelectionOf(selection)),
          spec.rules(request.actor),
          EVERYONE,
          NAMED,
        );
        // Restored users take their licences back: past a limit the restore would be refused, so say so now.
        const willChange = sql`${IN_BULK} and ${NOT_REFUSED}`;
        const shortfall = action === 'restore' ? seatShortfalls(tx, restoreSeatGains(tx, willChange)) : [];
        return { preview: previewed, problem: shortfallWords(shortfall) };
      });
      return reply.view('trash/confirm-bulk', {
        title: spec.title,
        spec,
        action,
        preview,
        problem,
        fields: selectionFields(selection),
        back: backTo(selection),
        usersCount,
      });
    }),
  );

  app.post<{ Body: Body }>('/trash/bulk/apply', async (request, reply) =>
    withAction(request, reply, (action, selection) => {
      const spec = TRASH_ACTIONS[action];
      const back: JobLink = { label: 'Back to the trash', href: backTo(selection) };
      const id = app.jobs.runner.start({
        kind: spec.job,
        title: spec.jobTitle,
        actorId: request.actor.id,
        params: { selection: trashSelectionOf(selection), back },
        requestId: request.id,
      });
      return reply.code(303).redirect(`/jobs/${id}`);
    }),
  );
}
