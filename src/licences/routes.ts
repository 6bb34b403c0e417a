import type { FastifyInstance, FastifyReply } from 'fastify';
import { allowedIf, refusedPage } from '../access/guards.js';
import { mayChangeSettings, mayEditUsers, PERMISSION_WORDS, refusals } from '../access/policy.js';
import { LICENCE_TYPES } from '../db/schema.js';
import { fragmentAsked } from '../htmx.js';
import { loadRows } from '../list/list-repository.js';
import { cell } from '../list/list-view.js';
import { referenceLists } from '../reference/reference-lists.js';
import { displayName } from '../users/derived-fields.js';
import { findVisibleUser } from '../users/repository.js';
import { assignLicences, type LicenceChange, StaleRowError } from './assign.js';
import { LicenceLimitError } from './limits.js';
import { readPool } from './pool.js';
import { fieldOf, type PoolInput, poolInput, readPoolForm, validatePoolForm } from './pool-form.js';
import { releaseWords, savePool } from './pool-writes.js';
import { seatBars } from './seat-bars.js';
import { inactiveRelease } from './seat-release.js';
import { LICENCE_ROW_COLUMNS, licenceRowStates } from './licence-view.js';

/** Where the licence view's forms return without JavaScript: a users list on this site, nothing else. */
function backToList(back: unknown): string {
  return typeof back === 'string' && /^\/users(\?|$)/.test(back) ? back : '/users?view=licences';
}

const idParam = (value: string) => (/^\d{1,15}$/.test(value) ? Number(value) : undefined);

/** The licence pool page (superusers), and the licence view's change of one user's licences. */
export default async function licenceRoutes(app: FastifyInstance) {
  const { db } = app;
  const settingPool = { preHandler: allowedIf(mayChangeSettings, 'change the licence pool') };

  function renderPool(reply: FastifyReply, input: PoolInput, errors: Record<string, string> = {}, status = 200) {
    return reply.code(status).view('licences/pool', {
      title: 'Licences',
      seats: readPool(db).map((seat) => ({ ...seat, field: fieldOf(seat.key) })),
      bars: seatBars(db),
      input,
      errors,
      releaseWords,
    });
  }

  app.get('/licences', settingPool, async (_request, reply) =>
    renderPool(reply, poolInput(readPool(db), inactiveRelease(db))),
  );

  app.post<{ Body: Record<string, unknown> }>('/licences', settingPool, async (request, reply) => {
    const seats = readPool(db);
    const input = readPoolForm(seats, request.body ?? {});
    const checked = validatePoolForm(seats, input);
    if ('errors' in checked) return renderPool(reply, input, checked.errors, 422);
    const changed = savePool(db, request.actor, checked.values, request.id);
    reply.flash(
      changed.length > 0 ? 'success' : 'info',
      changed.length > 0 ? 'The licence pool was saved.' : 'Nothing was changed.',
    );
    return reply.redirect('/licences', 303);
  });

  /** The licence view's row for one user, with a message (saved, or why not) and the values tried. */
  function renderRow(
    reply: FastifyReply,
    id: number,
    back: string,
    message?: { kind: 'success' | 'error'; text: string },
    tried?: LicenceChange,
  ) {
    const [row] = loadRows(db, [id], LICENCE_ROW_COLUMNS);
    if (!row) return reply.callNotFound();
    return reply.code(message?.kind === 'error' ? 422 : 200).view('licences/_row-update', {
      row,
      cell,
      back,
      message,
      tried,
      addons: referenceLists(db).addons.options,
      state: licenceRowStates(db, [id])[id],
      bars: seatBars(db),
    });
  }

  const editing = { preHandler: allowedIf(mayEditUsers, PERMISSION_WORDS.edit) };

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>(
    '/users/:id/licences',
    editing,
    async (request, reply) => {
      const id = idParam(request.params.id);
      const user = id ? findVisibleUser(db, request.actor, id) : undefined;
      if (!user) return reply.callNotFound();
      const body = request.body ?? {};
      const back = backToList(body.back);
      const partial = fragmentAsked(request, reply);
      const [refusal] = refusals(db, request.actor, 'edit', user);
      if (refusal) {
        return partial
          ? renderRow(reply.code(403), user.id, back, { kind: 'error', text: refusal })
          : refusedPage(reply, refusal);
      }
      const addonIds = new Set(referenceLists(db).addons.options.map((a) => a.id));
      const licenceType = LICENCE_TYPES.find((l) => l === body.licenceType) ?? user.licenceType;
      const change: LicenceChange = {
        licenceType,
        addonIds: [...new Set([body.addons ?? []].flat().map(Number))].filter((a) => addonIds.has(a)),
      };
      const name = displayName(user);
      const answer = (kind: 'success' | 'error', text: string, tried?: LicenceChange) => {
        if (partial) return renderRow(reply, user.id, back, { kind, text }, tried);
        reply.flash(kind, text);
        return reply.redirect(back, 303);
      };
      try {
        const changes = assignLicences(db, request.actor, user.id, Number(body.version), change, request.id);
        return answer(
          'success',
          Object.keys(changes).length > 0 ? `${name}: licences saved.` : `${name}: nothing was changed.`,
        );
      } catch (error) {
        if (error instanceof LicenceLimitError) return answer('error', `${name}: ${error.message}`, change);
        if (error instanceof StaleRowError) {
          return answer(
            'error',
            `${name} was changed by someone else since the list was shown: the row now shows their change. Nothing of yours was saved.`,
          );
        }
        throw error;
      }
    },
  );
}
