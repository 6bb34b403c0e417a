import { allowedIf } from '../access/guards.js';
import { mayDeleteUsers, PERMISSION_WORDS } from '../access/policy.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import {
  findTrashedUser,
  newUsernameProblem,
  NotFoundError,
  purgeExpired,
  purgeRefusal,
  purgeUser,
  RefusedError,
  replacementProblem,
  restoreUser,
  reviewDeletion,
  supervisedBy,
  trashUser,
  usernameClash,
} from './trash-service.js';
import { personIdOf } from '../user/supervisor-label.js';
import { UsernameTakenError } from '../user/user-writes.js';
import { LicenceLimitError } from '../licences/limits.js';
import type { User } from '../db/schema.js';
import { fragmentAsked } from '../htmx.js';
import type { QueryParams } from '../query-params.js';
import { PAGE_SIZES } from '../list/list-query.js';
import trashBulkRoutes from './bulk-routes.js';
import { listTrash, parseTrashQuery, TRASH_SORTS, trashSelectionQuery, trashUrl } from './trash-list.js';

const PURGE_EVERY_MS = 24 * 60 * 60 * 1000;
const USERNAME_TAKEN = 'This username is already taken.';

/** Route ids are positive integers; anything else names nobody. */
function idParam(value: string): number | undefined {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

type IdRequest = FastifyRequest<{ Params: { id: string }; Body?: Record<string, unknown> }>;

const field = (body: Record<string, unknown> | undefined, name: string) => String(body?.[name] ?? '').trim();

/** Deleting a user (to the trash), the Trash page, restoring and deleting for good. */
export default async function trashRoutes(app: FastifyInstance) {
  // Deleting, restoring, purging and the trash itself are one permission.
  app.addHook('preHandler', allowedIf(mayDeleteUsers, PERMISSION_WORDS.delete));
  const { db, config } = app;
  await app.register(trashBulkRoutes);

  // Every process runs the purge; it is idempotent, and the transaction keeps two runs apart.
  const purge = () => {
    try {
      const { purged, kept } = purgeExpired(db, config.trashDays);
      if (purged > 0 || kept > 0) app.log.info({ purged, kept }, 'trash purged');
    } catch (error) {
      app.log.error({ err: error }, 'trash purge failed');
    }
  };
  purge();
  const timer = setInterval(purge, PURGE_EVERY_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));

  function renderDeletion(
    request: IdRequest,
    reply: FastifyReply,
    user: User,
    status: number,
    extra: { error?: string; supervisor?: string; refused?: string[] } = {},
  ) {
    const review = reviewDeletion(db, request.actor, user);
    const reasons = [...new Set([...review.reasons, ...(extra.refused ?? [])])];
    return reply.code(status).view('trash/confirm-delete', {
      title: `Delete ${displayName(user)}`,
      user,
      name: displayName(user),
      reasons,
      reportCount: review.reportCount,
      reports: review.reports,
      trashDays: config.trashDays,
      supervisor: extra.supervisor ?? '',
      error: extra.error,
    });
  }

  app.get<{ Params: { id: string } }>('/users/:id/delete', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    return renderDeletion(request, reply, user, 200);
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/users/:id/delete', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    const supervisor = field(request.body, 'supervisor');
    const moving = request.body && 'supervisor' in request.body;
    const replacementId = moving ? personIdOf(db, supervisor) : undefined;
    if (moving) {
      const problem = replacementProblem(db, request.actor, user, replacementId);
      if (problem) return renderDeletion(request, reply, user, 422, { error: problem, supervisor });
    }
    try {
      trashUser(db, request.actor, user.id, replacementId, request.id);
    } catch (error) {
      if (error instanceof NotFoundError) return reply.callNotFound();
      if (!(error instanceof RefusedError)) throw error;
      if (moving) return renderDeletion(request, reply, user, 409, { error: error.reasons.join(' '), supervisor });
      return renderDeletion(request, reply, user, 409, { refused: error.reasons });
    }
    reply.flash(
      'success',
      `${displayName(user)} was moved to the Trash, where they can be restored for ${config.trashDays} days.`,
    );
    return reply.redirect('/users', 303);
  });

  /** The trash: searched, sorted and paged like the users list; htmx swaps the results alone. */
  app.get<{ Querystring: QueryParams }>('/trash', async (request, reply) => {
    const query = parseTrashQuery(request.query);
    const template = fragmentAsked(request, reply) ? 'trash/_results' : 'trash/list';
    return reply.view(template, {
      title: 'Trash',
      query,
      listing: listTrash(db, request.actor, query, config.trashDays),
      trashDays: config.trashDays,
      sorts: TRASH_SORTS,
      pageSizes: PAGE_SIZES,
      trashUrl,
      selectionQuery: trashSelectionQuery(query),
    });
  });

  function renderRename(reply: FastifyReply, user: User, status: number, username: string, error?: string) {
    return reply.code(status).view('trash/restore-username', {
      title: `Restore ${displayName(user)}`,
      user,
      name: displayName(user),
      username,
      error,
    });
  }

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/trash/:id/restore', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findTrashedUser(db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    const renaming = request.body && 'username' in request.body;
    const username = renaming ? field(request.body, 'username') : undefined;
    if (username !== undefined) {
      const problem = newUsernameProblem(db, request.actor, user.id, username);
      if (problem) return renderRename(reply, user, 422, username, problem);
    } else if (usernameClash(db, user)) {
      return renderRename(reply, user, 409, '');
    }
    try {
      const restored = restoreUser(db, request.actor, user.id, username, request.id);
      reply.flash('success', `${displayName(restored)} was restored.`);
      return reply.redirect(`/users/${user.id}`, 303);
    } catch (error) {
      if (error instanceof NotFoundError) return reply.callNotFound();
      if (error instanceof UsernameTakenError) return renderRename(reply, user, 409, username ?? '', USERNAME_TAKEN);
      if (error instanceof LicenceLimitError) {
        reply.flash('error', `${displayName(user)} was not restored. ${error.message}`);
        return reply.redirect('/trash', 303);
      }
      throw error;
    }
  });

  function renderPurge(reply: FastifyReply, user: User, status: number) {
    const { count, first } = supervisedBy(db, user.id);
    return reply.code(status).view('trash/confirm-purge', {
      title: `Delete ${displayName(user)} permanently`,
      user,
      name: displayName(user),
      refusal: count > 0 ? purgeRefusal(user, count) : undefined,
      reports: first,
      reportCount: count,
    });
  }

  app.get<{ Params: { id: string } }>('/trash/:id/purge', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findTrashedUser(db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    return renderPurge(reply, user, 200);
  });

  app.post<{ Params: { id: string } }>('/trash/:id/purge', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findTrashedUser(db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    try {
      purgeUser(db, request.actor, user.id, request.id);
    } catch (error) {
      if (error instanceof NotFoundError) return reply.callNotFound();
      if (error instanceof RefusedError) return renderPurge(reply, user, 409);
      throw error;
    }
    reply.flash('success', `${displayName(user)} was deleted permanently.`);
    return reply.redirect('/trash', 303);
  });
}
