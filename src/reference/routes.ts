import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayManageReferenceLists } from '../access/policy.js';
import type { ListJobKind } from './handlers.js';
import { itemNameProblem, MAX_ITEM_NAME, readItemName } from './item-name.js';
import { LIST_SPECS, type ListSpec, listBySlug } from './list-specs.js';
import { findItem, itemCounts, itemsWithUsage, rowsOfItem, usersOfItem } from './list-usage.js';
import { addItem, inUse, ListRefusedError, removeItem, renameItem } from './list-writes.js';
import type { Option } from './reference-lists.js';

/**
 * A rename rewrites the sort key of every user holding the item. Up to this many it is done
 * within the request (a few tens of milliseconds); beyond, it runs as a job like a merge, so
 * the server keeps answering others meanwhile.
 */
export const RENAME_IN_REQUEST_MAX = 10_000;

type Body = Record<string, unknown> | undefined;
type ListParams = { list: string };
type ItemParams = { list: string; id: string };

/** Route ids are positive integers; anything else names nothing. */
function idOf(value: unknown): number | undefined {
  const text = String(value ?? '');
  const id = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/** The form the page shows open again, with what was typed and why it was refused. */
interface Kept {
  add?: { name: string; error: string };
  rename?: { id: number; name: string; error: string };
}

/** The Lists pages (superusers): the eight reference lists, their items, and changes to them. */
export default async function referenceListRoutes(app: FastifyInstance) {
  const { db } = app;
  app.addHook('preHandler', allowedIf(mayManageReferenceLists, 'manage reference lists'));

  const listUrl = (spec: ListSpec) => `/lists/${spec.slug}`;

  function renderList(reply: FastifyReply, spec: ListSpec, status = 200, kept: Kept = {}) {
    const items = itemsWithUsage(db, spec);
    return reply.code(status).view('reference/list', {
      title: spec.title,
      spec,
      items,
      total: items.reduce((sum, item) => sum + item.users, 0),
      maxName: MAX_ITEM_NAME,
      kept,
    });
  }

  /** The list named in the address, or a 404. */
  function listOf(params: ListParams, reply: FastifyReply): ListSpec | undefined {
    const spec = listBySlug(params.list);
    if (!spec) reply.callNotFound();
    return spec;
  }

  /** The list and item named in the address, or a 404. */
  function itemOf(params: ItemParams, reply: FastifyReply): { spec: ListSpec; item: Option } | undefined {
    const spec = listBySlug(params.list);
    const id = idOf(params.id);
    const item = spec && id ? findItem(db, spec, id) : undefined;
    if (!spec || !item) {
      reply.callNotFound();
      return undefined;
    }
    return { spec, item };
  }

  app.get('/lists', async (_request, reply) => {
    const counts = itemCounts(db, LIST_SPECS);
    return reply.view('reference/overview', {
      title: 'Lists',
      lists: LIST_SPECS.map((spec) => ({ spec, count: counts[spec.key] ?? 0, href: listUrl(spec) })),
    });
  });

  app.get<{ Params: { list: string }; Body: Body }>('/lists/:list', async (request, reply) => {
    const spec = listOf(request.params, reply);
    return spec ? renderList(reply, spec) : reply;
  });

  app.post<{ Params: { list: string }; Body: Body }>('/lists/:list', async (request, reply) => {
    const spec = listOf(request.params, reply);
    if (!spec) return reply;
    const name = readItemName(request.body);
    const problem = itemNameProblem(db, spec, name);
    if (problem) return renderList(reply, spec, 422, { add: { name, error: problem } });
    try {
      addItem(db, request.actor, spec, name, request.id);
    } catch (error) {
      if (!(error instanceof ListRefusedError)) throw error;
      return renderList(reply, spec, 422, { add: { name, error: error.message } });
    }
    reply.flash('success', `“${name}” was added to the ${spec.items}.`);
    return reply.redirect(listUrl(spec), 303);
  });

  /** Starts a list job and shows its progress; its summary leads back to the list. */
  function startJob(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: ListJobKind,
    title: string,
    spec: ListSpec,
    params: object,
  ) {
    const back = { label: `Back to the ${spec.items}`, href: listUrl(spec) };
    const id = app.jobs.runner.start({
      kind,
      title,
      actorId: request.actor.id,
      params: { list: spec.key, back, ...params },
      requestId: request.id,
    });
    return reply.redirect(`/jobs/${id}`, 303);
  }

  app.post<{ Params: { list: string; id: string }; Body: Body }>('/lists/:list/:id/rename', async (request, reply) => {
    const found = itemOf(request.params, reply);
    if (!found) return reply;
    const { spec, item } = found;
    const name = readItemName(request.body);
    const problem = itemNameProblem(db, spec, name, item.id);
    if (problem) return renderList(reply, spec, 422, { rename: { id: item.id, name, error: problem } });
    if (name === item.name) {
      reply.flash('info', `“${name}” already has that name: nothing was changed.`);
      return reply.redirect(listUrl(spec), 303);
    }
    if (rowsOfItem(db, spec, item.id) > RENAME_IN_REQUEST_MAX)
      return startJob(request, reply, 'list.rename', `Rename “${item.name}” to “${name}”`, spec, { id: item.id, name });
    try {
      renameItem(db, request.actor, spec, item.id, name, request.id);
    } catch (error) {
      if (!(error instanceof ListRefusedError)) throw error;
      return renderList(reply, spec, 422, { rename: { id: item.id, name, error: error.message } });
    }
    reply.flash('success', `“${item.name}” was renamed to “${name}”.`);
    return reply.redirect(listUrl(spec), 303);
  });

  /** The merge confirmation: which item, into which, and how many users move. */
  app.get<{ Params: { list: string; id: string }; Querystring: { into?: string } }>(
    '/lists/:list/:id/merge',
    async (request, reply) => {
      const found = itemOf(request.params, reply);
      if (!found) return reply;
      const { spec, item } = found;
      const intoId = idOf(request.query.into);
      const into = intoId && intoId !== item.id ? findItem(db, spec, intoId) : undefined;
      const others = itemsWithUsage(db, spec).filter((other) => other.id !== item.id);
      return reply.code(into || request.query.into === undefined ? 200 : 422).view('reference/confirm-merge', {
        title: `Merge “${item.name}”`,
        spec,
        item,
        into,
        others,
        moving: usersOfItem(db, spec, item.id),
        error:
          into || request.query.into === undefined
            ? undefined
            : `Choose the ${spec.item} to merge “${item.name}” into.`,
        back: listUrl(spec),
      });
    },
  );

  app.post<{ Params: { list: string; id: string }; Body: Body }>('/lists/:list/:id/merge', async (request, reply) => {
    const found = itemOf(request.params, reply);
    if (!found) return reply;
    const { spec, item } = found;
    const intoId = idOf(request.body?.into);
    const into = intoId && intoId !== item.id ? findItem(db, spec, intoId) : undefined;
    if (!into) return reply.redirect(`${listUrl(spec)}/${item.id}/merge?into=`, 303);
    return startJob(request, reply, 'list.merge', `Merge “${item.name}” into “${into.name}”`, spec, {
      fromId: item.id,
      intoId: into.id,
    });
  });

  function renderRemove(reply: FastifyReply, spec: ListSpec, item: Option, status = 200) {
    const users = usersOfItem(db, spec, item.id);
    return reply.code(status).view('reference/confirm-remove', {
      title: `Remove “${item.name}”`,
      spec,
      item,
      refusal: users > 0 ? inUse(users) : undefined,
      others: itemsWithUsage(db, spec).filter((other) => other.id !== item.id),
      back: listUrl(spec),
    });
  }

  app.get<{ Params: { list: string; id: string } }>('/lists/:list/:id/remove', async (request, reply) => {
    const found = itemOf(request.params, reply);
    return found ? renderRemove(reply, found.spec, found.item) : reply;
  });

  app.post<{ Params: { list: string; id: string }; Body: Body }>('/lists/:list/:id/remove', async (request, reply) => {
    const found = itemOf(request.params, reply);
    if (!found) return reply;
    const { spec, item } = found;
    try {
      removeItem(db, request.actor, spec, item.id, request.id);
    } catch (error) {
      if (!(error instanceof ListRefusedError)) throw error;
      return renderRemove(reply, spec, item, 409);
    }
    reply.flash('success', `“${item.name}” was removed from the ${spec.items}.`);
    return reply.redirect(listUrl(spec), 303);
  });
}
