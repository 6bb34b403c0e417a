import type { FastifyInstance, FastifyReply } from 'fastify';
import { allowedIf, refusedPage } from '../access/guards.js';
import { mayEditUsers, PERMISSION_WORDS, refusals } from '../access/policy.js';
import { fragmentAsked } from '../htmx.js';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import { referenceLists } from '../reference/reference-lists.js';
import { type AccessChange, changeDatabaseAccess, GoneError } from './access-change.js';
import { databaseAccessOf } from './database-view.js';

/** Where the database view's cells return without JavaScript: a users list on this site, nothing else. */
function backToList(back: unknown): string {
  return typeof back === 'string' && /^\/users(\?|$)/.test(back) ? back : '/users?view=databases';
}

const idParam = (value: string) => (/^\d{1,15}$/.test(value) ? Number(value) : undefined);

/** The database view's cell (L7): one user's access to one database, given or taken away in place. */
export default async function databaseAccessRoutes(app: FastifyInstance) {
  const { db } = app;
  const editing = { preHandler: allowedIf(mayEditUsers, PERMISSION_WORDS.edit) };

  /** The cell again as it now is, and the words that say what happened (or why not). */
  function renderCell(
    reply: FastifyReply,
    user: { id: number; name: string },
    database: { id: number; name: string },
    message: { kind: 'success' | 'error'; text: string },
  ) {
    const has = databaseAccessOf(db, [user.id])[user.id]!.includes(database.id);
    return reply.view('databases/_cell-update', { user, database, has, message, canEdit: true });
  }

  /**
   * Not found: the user is not (or no longer) the actor's, or the database left the list. In place,
   * the message says so instead of a whole page landing in the table.
   */
  function gone(reply: FastifyReply, partial: boolean) {
    if (!partial) return reply.callNotFound();
    const text = 'That user or database is no longer in your list. Refresh the list to see it as it is now.';
    return reply.code(404).view('databases/_message-update', { message: { kind: 'error', text } });
  }

  app.post<{ Params: { id: string; databaseId: string }; Body: Record<string, unknown> }>(
    '/users/:id/databases/:databaseId',
    editing,
    async (request, reply) => {
      const id = idParam(request.params.id);
      const found = id ? findVisibleUser(db, request.actor, id) : undefined;
      const databaseId = idParam(request.params.databaseId);
      const database = referenceLists(db).databases.options.find((d) => d.id === databaseId);
      const partial = fragmentAsked(request, reply);
      if (!found || !database) return gone(reply, partial);
      const body = request.body ?? {};
      const change: AccessChange | undefined =
        body.access === 'give' || body.access === 'take' ? body.access : undefined;
      const back = backToList(body.back);
      const user = { id: found.id, name: displayName(found) };
      const answer = (kind: 'success' | 'error', text: string) => {
        if (partial) return renderCell(reply.code(kind === 'error' ? 422 : 200), user, database, { kind, text });
        reply.flash(kind, text);
        return reply.redirect(back, 303);
      };
      const [refusal] = refusals(db, request.actor, 'edit', found);
      if (refusal) {
        return partial
          ? renderCell(reply.code(403), user, database, { kind: 'error', text: refusal })
          : refusedPage(reply, refusal);
      }
      if (!change) return answer('error', 'Choose whether to give access or take it away.');
      try {
        const changed = changeDatabaseAccess(db, request.actor, user.id, database.id, change, request.id);
        const done =
          change === 'give'
            ? `${user.name} may now open ${database.name}.`
            : `${user.name} may no longer open ${database.name}.`;
        const already =
          change === 'give'
            ? `${user.name} already had access to ${database.name}.`
            : `${user.name} already had no access to ${database.name}.`;
        return answer('success', changed ? done : already);
      } catch (error) {
        if (error instanceof GoneError) return gone(reply, partial);
        throw error;
      }
    },
  );
}
