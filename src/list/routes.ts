import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fragmentAsked } from '../htmx.js';
import { COLUMNS, type ColumnKey, isColumnKey } from './columns.js';
import { displayName } from '../users/derived-fields.js';
import { cell } from './list-view.js';
import type { ListRow } from './list-repository.js';
import { zoneLabel } from '../dates.js';
import {
  invalidFilterWords,
  isFiltered,
  type ListQuery,
  listQueryParams,
  listUrl,
  PAGE_SIZES,
  parseListQuery,
} from './list-query.js';
import { chosenColumns, chosenDensity, isDensity, listUsers, saveColumns, saveDensity } from './list-service.js';
import { referenceLists } from '../reference/reference-lists.js';
import { activeFilters, adhocForm, pickedFields, quickSelects } from './filter-view.js';
import { datesFor } from '../preferences/time-zone.js';
import { findVisibleUser } from '../users/repository.js';
import type { QueryParams } from '../query-params.js';
import { bulkActionChoices } from '../bulk/choices.js';
import { mailConfigured } from '../settings/mail-settings.js';
import { viewKept } from './page-cache.js';
import { LICENCE_ROW_COLUMNS, licenceViewData } from '../licences/licence-view.js';
import { DATABASE_ROW_COLUMNS, databaseViewData } from '../databases/database-view.js';

/** Where to return after choosing columns: a users list on this site, nothing else. */
function listReturn(back: unknown): string {
  return typeof back === 'string' && /^\/users(\?|$)/.test(back) ? back : '/users';
}

/** The users list and its column chooser. */
export default async function userListRoutes(app: FastifyInstance) {
  function renderList(
    request: FastifyRequest,
    reply: FastifyReply,
    query: ListQuery,
    extra: Record<string, unknown> = {},
  ) {
    const template = fragmentAsked(request, reply) ? 'users/_results' : 'users/list';
    return viewKept(request, reply, template, () => listData(request, query, extra));
  }

  function listData(request: FastifyRequest, query: ListQuery, extra: Record<string, unknown>) {
    const columns = chosenColumns(app.db, request.actor.id);
    const rowColumns = query.view
      ? { licences: LICENCE_ROW_COLUMNS, databases: DATABASE_ROW_COLUMNS }[query.view]
      : columns;
    const result = listUsers(app.db, request.actor, query, rowColumns);
    const ids = result.rows.map((r) => r.id);
    const supervisor = query.filters.supervisor
      ? findVisibleUser(app.db, request.actor, query.filters.supervisor)
      : undefined;
    const lists = referenceLists(app.db);
    const dates = datesFor(app.db, request.actor.id);
    return {
      title: 'Users',
      query,
      columns: columns.map((key) => COLUMNS.find((c) => c.key === key)!),
      allColumns: COLUMNS,
      result,
      density: chosenDensity(app.db, request.actor.id),
      quickSelects: quickSelects(query, lists),
      pickedFields: pickedFields(query),
      adhoc: adhocForm(query),
      chips: activeFilters(query, lists, dates, supervisor ? displayName(supervisor) : undefined),
      timeZone: zoneLabel(dates.zone),
      filtered: isFiltered(query),
      pageSizes: PAGE_SIZES,
      listUrl,
      // The filters and search a bulk action on "all matching" covers (paging and sort do not matter).
      bulkQuery: listQueryParams(query, { page: 1, cursor: undefined }).toString(),
      bulkActions: bulkActionChoices(request.actor, mailConfigured(app.db)),
      cell: (row: ListRow, key: ColumnKey) => cell(row, key, dates),
      invalidFilter: query.invalidFilter && invalidFilterWords(query.invalidFilter),
      licences: query.view === 'licences' ? licenceViewData(app.db, ids) : undefined,
      databases: query.view === 'databases' ? databaseViewData(app.db, ids) : undefined,
      ...extra,
    };
  }

  app.get<{ Querystring: QueryParams }>('/users', async (request, reply) =>
    renderList(request, reply, parseListQuery(request.query), { columnsOpen: request.query.columns === 'open' }),
  );

  /** The column chooser: a fragment for the list's drop-down, a page of its own without JavaScript. */
  app.get<{ Querystring: { back?: string } }>('/users/columns', async (request, reply) => {
    const columns = chosenColumns(app.db, request.actor.id);
    const data = { columns: columns.map((key) => COLUMNS.find((c) => c.key === key)!), allColumns: COLUMNS };
    if (fragmentAsked(request, reply)) return reply.view('users/_column-form', { ...data, back: undefined });
    return reply.view('users/columns', { ...data, title: 'Columns', back: listReturn(request.query.back) });
  });

  /**
   * Saves the column choice. The chooser is one form: ticked boxes in their listed order, and
   * an optional move button that shifts one column up or down before saving, so it works
   * without JavaScript.
   */
  app.post<{
    Body: { columns?: string | string[]; order?: string | string[]; move?: string; reset?: string; back?: string };
  }>('/users/columns', async (request, reply) => {
    const body = request.body ?? {};
    const back = listReturn(body.back);
    if (body.reset !== undefined) {
      saveColumns(app.db, request.actor.id, null);
      reply.flash('success', 'Columns reset to the default.');
      return reply.redirect(back);
    }
    const listed = [body.order ?? []].flat().filter(isColumnKey);
    const ticked = new Set([body.columns ?? []].flat());
    const [moveKey, direction] = String(body.move ?? '').split(':');
    const order: ColumnKey[] = [...new Set(listed)];
    const from = order.indexOf(moveKey as ColumnKey);
    const to = direction === 'up' ? from - 1 : from + 1;
    if (from >= 0 && to >= 0 && to < order.length) [order[from], order[to]] = [order[to]!, order[from]!];
    const chosen = order.filter((key) => ticked.has(key));
    if (chosen.length === 0) {
      reply.flash('error', 'Choose at least one column.');
      return reply.redirect(back);
    }
    saveColumns(app.db, request.actor.id, chosen);
    return reply.redirect(moveKey ? `${back}${back.includes('?') ? '&' : '?'}columns=open` : back);
  });

  /** Saves the list's density (comfortable or compact) and returns to the list as it was. */
  app.post<{ Body: { density?: string; back?: string } }>('/users/density', async (request, reply) => {
    const body = request.body ?? {};
    if (isDensity(body.density)) saveDensity(app.db, request.actor.id, body.density);
    return reply.redirect(listReturn(body.back), 303);
  });
}
