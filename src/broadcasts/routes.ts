import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayEmail, PERMISSION_WORDS } from '../access/policy.js';
import {
  fillBulkIds,
  OutOfScopeError,
  readSelection,
  resolveSelection,
  type Selection,
  selectionCondition,
} from '../bulk/selection.js';
import { referenceLists } from '../reference/reference-lists.js';
import { mailConfigured } from '../settings/mail-settings.js';
import { zoneLabel } from '../dates.js';
import { describeAudience } from './audience.js';
import {
  BODY_MAX,
  type BroadcastErrors,
  type BroadcastForm,
  blankForm,
  checkBroadcastForm,
  formOf,
  formSelectionFields,
  readBroadcastForm,
  SUBJECT_MAX,
} from './broadcast-form.js';
import { BROADCAST_CATEGORIES, categoryLabel } from './categories.js';
import { type Broadcast, findBroadcast, listBroadcasts } from './repository.js';
import { cancelBroadcast, changeBroadcast, createBroadcast } from './service.js';

type Body = Record<string, unknown> | undefined;
type WithId = { Params: { id: string }; Body: Body };

/** The newest broadcasts the page lists; older ones stay in the audit log. */
const LISTED = 200;

const STATUS_BADGES = {
  scheduled: { text: 'Scheduled', badge: 'warning' },
  sending: { text: 'Sending', badge: 'warning' },
  sent: { text: 'Sent', badge: 'success' },
  cancelled: { text: 'Cancelled', badge: 'muted' },
} as const;

/**
 * Broadcasts (M6): the list, a new one (blank, or for the users ticked on the users list), and
 * changing or cancelling one that has not gone yet. Sending is sending.ts's, on its own clock.
 */
export default async function broadcastRoutes(app: FastifyInstance) {
  const { db } = app;
  const emailing = { preHandler: allowedIf(mayEmail, PERMISSION_WORDS.email) };
  const zoneOf = (reply: FastifyReply) => reply.locals!.dates().zone;

  app.get('/broadcasts', emailing, async (request, reply) => {
    const dates = reply.locals!.dates();
    const lines = listBroadcasts(db, request.actor, LISTED).map((b) => ({
      ...b,
      badge: STATUS_BADGES[b.status],
      categoryLabel: categoryLabel(b.category),
      audienceWords: describeAudience(db, b.audience, request.actor),
      when: dates.when(b.status === 'sent' ? b.sentAt : b.sendAt),
    }));
    return reply.view('broadcasts/list', { title: 'Broadcasts', lines, listed: LISTED, mailReady: mailConfigured(db) });
  });

  /** How many of a selection's users the administrator reaches now. */
  const selectionCount = (request: FastifyRequest, selection: Selection) =>
    db.transaction((tx) => fillBulkIds(tx, selectionCondition(tx, request.actor, selection)));

  /**
   * Refuses (OutOfScopeError) a new broadcast to ticked users of whom any is out of scope, as
   * bulk actions do. Whatever is stored, the send resolves the audience within scope again.
   */
  const checkTicked = (request: FastifyRequest, selection: Selection) =>
    db.transaction((tx) => resolveSelection(tx, request.actor, selection));

  function renderForm(
    request: FastifyRequest,
    reply: FastifyReply,
    page: { form: BroadcastForm; errors?: BroadcastErrors; editing?: Broadcast; notice?: string },
    status = 200,
  ) {
    const { form, editing } = page;
    const lists = referenceLists(db);
    return reply.code(status).view('broadcasts/form', {
      title: editing ? 'Change broadcast' : 'New broadcast',
      form,
      errors: page.errors ?? {},
      notice: page.notice,
      editing,
      action: editing ? `/broadcasts/${editing.id}` : '/broadcasts',
      selectionFields: formSelectionFields(form),
      selectionCount: form.selection ? selectionCount(request, form.selection) : 0,
      selectionWords: form.selection ? describeAudience(db, { kind: 'selection', selection: form.selection }) : '',
      everyoneWords: describeAudience(db, { kind: 'everyone' }, request.actor),
      groups: lists.groups.options,
      teams: lists.teams.options,
      categories: Object.entries(BROADCAST_CATEGORIES),
      zone: zoneLabel(zoneOf(reply)),
      mailReady: mailConfigured(db),
      subjectMax: SUBJECT_MAX,
      bodyMax: BODY_MAX,
    });
  }

  /** A selection that ticks someone out of scope refuses the whole page, as bulk actions do. */
  function refusingOutOfScope(reply: FastifyReply, render: () => unknown) {
    try {
      return render();
    } catch (err) {
      if (!(err instanceof OutOfScopeError)) throw err;
      return reply.code(403).view('bulk/refused', { title: 'Nothing was sent', error: err.message, back: '/users' });
    }
  }

  app.get('/broadcasts/new', emailing, async (request, reply) => renderForm(request, reply, { form: blankForm() }));

  /** The users list's bulk bar sends its selection here ("Broadcast a message"). */
  app.post<{ Body: Body }>('/broadcasts/new', emailing, async (request, reply) => {
    const selection = readSelection(request.body);
    if ('error' in selection) {
      return reply
        .code(422)
        .view('bulk/refused', { title: 'Nothing was sent', error: selection.error, back: '/users' });
    }
    return refusingOutOfScope(reply, () => {
      checkTicked(request, selection);
      return renderForm(request, reply, { form: blankForm(selection) });
    });
  });

  /** Back to the list, saying when it goes; one due now goes at once rather than at the next poll. */
  function saved(reply: FastifyReply, broadcast: Broadcast, now: Date) {
    const subject = `“${broadcast.subject}”`;
    if (broadcast.sendAt.getTime() > now.getTime()) {
      reply.flash('success', `${subject} will be sent on ${reply.locals!.dates().when(broadcast.sendAt)}.`);
    } else {
      reply.flash('success', `${subject} is being sent.`);
      app.broadcasts.sender.nudge();
    }
    return reply.code(303).redirect('/broadcasts');
  }

  app.post<{ Body: Body }>('/broadcasts', emailing, async (request, reply) =>
    refusingOutOfScope(reply, () => {
      const form = readBroadcastForm(request.body);
      const now = new Date();
      const checked = checkBroadcastForm(db, form, zoneOf(reply), now);
      if ('errors' in checked) return renderForm(request, reply, { form, errors: checked.errors }, 422);
      if (checked.input.audience.kind === 'selection') checkTicked(request, checked.input.audience.selection);
      const created = createBroadcast(db, request.actor, checked.input, { requestId: request.id, now });
      return saved(reply, created, now);
    }),
  );

  /** The broadcast, if this administrator sees it; a 404 page otherwise. */
  function visible(request: FastifyRequest<WithId>, reply: FastifyReply): Broadcast | undefined {
    const id = Number(request.params.id);
    const found = Number.isSafeInteger(id) ? findBroadcast(db, request.actor, id) : undefined;
    if (!found)
      void reply
        .code(404)
        .view('errors/error', { title: 'Not found', message: 'There is no such broadcast.', status: 404 });
    return found;
  }

  /** What a broadcast that can no longer change says, instead of its form. */
  function gone(reply: FastifyReply, broadcast: Broadcast) {
    const what = broadcast.status === 'cancelled' ? 'was cancelled' : 'has already gone out';
    reply.flash('error', `“${broadcast.subject}” ${what}: it can no longer be changed or cancelled.`);
    return reply.code(303).redirect('/broadcasts');
  }

  app.get<WithId>('/broadcasts/:id/edit', emailing, async (request, reply) => {
    const broadcast = visible(request, reply);
    if (!broadcast) return reply;
    if (broadcast.status !== 'scheduled') return gone(reply, broadcast);
    return renderForm(request, reply, { form: formOf(broadcast, zoneOf(reply)), editing: broadcast });
  });

  app.post<WithId>('/broadcasts/:id', emailing, async (request, reply) => {
    const broadcast = visible(request, reply);
    if (!broadcast) return reply;
    if (broadcast.status !== 'scheduled') return gone(reply, broadcast);
    const form = readBroadcastForm(request.body);
    const now = new Date();
    const checked = checkBroadcastForm(db, form, zoneOf(reply), now);
    if ('errors' in checked)
      return renderForm(request, reply, { form, errors: checked.errors, editing: broadcast }, 422);
    const version = Number(request.body?.version);
    const changed = changeBroadcast(db, request.actor, broadcast, version, checked.input, {
      requestId: request.id,
      now,
    });
    if (changed) return saved(reply, changed, now);
    const current = findBroadcast(db, request.actor, broadcast.id)!;
    if (current.status !== 'scheduled') return gone(reply, current);
    return renderForm(
      request,
      reply,
      {
        form: formOf(current, zoneOf(reply)),
        editing: current,
        notice:
          'Someone else changed this broadcast while you were editing it. Here it is as it is now: make your change again.',
      },
      409,
    );
  });

  app.get<WithId>('/broadcasts/:id/cancel', emailing, async (request, reply) => {
    const broadcast = visible(request, reply);
    if (!broadcast) return reply;
    if (broadcast.status !== 'scheduled') return gone(reply, broadcast);
    return reply.view('broadcasts/cancel', {
      title: 'Cancel broadcast',
      broadcast,
      when: reply.locals!.dates().when(broadcast.sendAt),
      audienceWords: describeAudience(db, broadcast.audience, request.actor),
    });
  });

  app.post<WithId>('/broadcasts/:id/cancel', emailing, async (request, reply) => {
    const broadcast = visible(request, reply);
    if (!broadcast) return reply;
    const cancelled = cancelBroadcast(db, request.actor, broadcast.id, Number(request.body?.version), {
      requestId: request.id,
    });
    if (!cancelled) {
      const current = findBroadcast(db, request.actor, broadcast.id)!;
      if (current.status !== 'scheduled') return gone(reply, current);
      reply.flash(
        'error',
        `“${current.subject}” was changed by someone else meanwhile: check it, then cancel it again.`,
      );
      return reply.code(303).redirect(`/broadcasts/${current.id}/cancel`);
    }
    reply.flash('success', `“${cancelled.subject}” is cancelled and will not be sent.`);
    return reply.code(303).redirect('/broadcasts');
  });
}
