import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { allowedIf, notAllowed } from '../access/guards.js';
import { mayDeleteUsers, mayEditUsers, PERMISSION_WORDS } from '../access/policy.js';
import { ACTION_PERMISSIONS, mayApply } from './choices.js';
import { formOptions } from '../user/user-form.js';
import { personIdOf, personLabel } from '../user/supervisor-label.js';
import { findVisibleUser } from '../users/repository.js';
import { displayName } from '../users/derived-fields.js';
import { listUrl } from '../list/list-query.js';
import { ACCESS_ACTIONS, accessRules, isAccessAction } from './access.js';
import { type ActionPreview, EVERYONE, previewAction } from './changed-set.js';
import { NOT_REFUSED } from './refusals.js';
import { bulkSeatGains, SEAT_TAKING_ACCESS } from '../licences/bulk-seats.js';
import { seatShortfalls, shortfallWords } from '../licences/limits.js';
import { deleteRules, type TrashSelection } from './delete.js';
import type { BulkJobKind } from './handlers.js';
import type { JobLink } from '../jobs/board.js';
import { mailConfigured } from '../settings/mail-settings.js';
import { MAX_TEMPORARY_PASSWORDS, resetRules, resetSplit } from './passwords.js';
import {
  OutOfScopeError,
  readSelection,
  resolveSelection,
  type Selection,
  selectionFields,
  listOfSelection,
  IN_BULK,
  tickedIds,
} from './selection.js';
import { type BulkForm, describeChanges, readBulkForm, validateBulkForm } from './update-form.js';
import { SINGLE_REFERENCES } from '../reference/reference-tables.js';
import { type BulkChanges, changeCondition, LIST_MODES, updateRules } from './update.js';
import { COMPOSE, isMailAction, MAIL_ACTIONS, mailRules, mayMail, withoutAddress } from '../mail/mail-actions.js';
import type { MailJobKind } from '../mail/handlers.js';
import { HAS_MAIL_ADDRESS } from '../mail/recipient.js';
import { compose, COMPOSE_CAP } from '../mail/compose.js';

type Body = Record<string, unknown> | undefined;

/** A user's page a mail action was started from (its Cancel and summary lead back there); nothing else is taken. */
const userPageOf = (body: Body) => {
  const back = body?.back;
  return typeof back === 'string' && /^\/users\/\d{1,15}$/.test(back) ? back : undefined;
};

/** The first users a deletion names on its confirmation page. */
const DELETE_NAMED = 50;

/** Actions offered on a selection; "update" opens a form, the others a confirmation. */
const SELECTION_ACTIONS = ['update', 'delete', 'reset', 'broadcast', ...Object.keys(ACCESS_ACTIONS)];

/**
 * Bulk actions on the users list (B1–B5). Each is two steps: a page that says exactly what will
 * happen to how many users (and who is refused, and why), then a post that starts the work as
 * a job and shows its progress. The selection travels between the steps in hidden fields and
 * is worked out again, with scope, in the job's transaction.
 */
export default async function bulkRoutes(app: FastifyInstance) {
  const { db } = app;

  /** Where "Cancel" and "Back" lead: the list the selection came from. */
  const backTo = (selection: Selection) => {
    const list = listOfSelection(selection);
    return list ? listUrl(list) : '/users';
  };

  /** The selection's users in bulk_ids, and what the page shows of them; refused when out of scope. */
  function preview<T>(request: FastifyRequest, selection: Selection, build: (selected: number) => T): T {
    return db.transaction((tx) => build(resolveSelection(tx, request.actor, selection)));
  }

  const editing = { preHandler: allowedIf(mayEditUsers, PERMISSION_WORDS.edit) };
  const restoring = { preHandler: allowedIf(mayDeleteUsers, PERMISSION_WORDS.delete) };

  const refuseAction = (reply: FastifyReply, action: string) =>
    notAllowed(reply, PERMISSION_WORDS[ACTION_PERMISSIONS[action]!]);

  function refuseSelection(reply: FastifyReply, error: string, selection?: Selection) {
    return reply
      .code(selection ? 403 : 422)
      .view('bulk/refused', { title: 'Nothing was changed', error, back: selection ? backTo(selection) : '/users' });
  }

  function renderUpdateForm(reply: FastifyReply, selection: Selection, form: BulkForm, errors = {}, status = 200) {
    return reply.code(status).view('bulk/update', {
      title: 'Update users',
      selection,
      fields: selectionFields(selection),
      count: preview(reply.request, selection, (selected) => selected),
      form,
      errors,
      options: formOptions(db),
      references: SINGLE_REFERENCES,
      listModes: LIST_MODES,
      back: backTo(selection),
    });
  }

  function renderConfirmation(
    reply: FastifyReply,
    data: {
      title: string;
      /** The confirming button says "<verb> N users". */
      verb: string;
      action: string;
      target: string;
      selection: Selection;
      preview: ActionPreview;
      lines?: string[];
      danger?: boolean;
      extraFields?: [string, string][];
      problem?: string;
      /** A mail action: how many selected users have no address and are skipped. */
      skipped?: number;
      /** Where Cancel leads, when not the list the selection came from (a user's page). */
      back?: string;
      /** A password reset: how many get a link by mail, how many a temporary password. */
      split?: { byMail: number; byPassword: number };
    },
  ) {
    return reply.view('bulk/confirm', {
      ...data,
      fields: [...selectionFields(data.selection), ...(data.extraFields ?? [])],
      back: data.back ?? backTo(data.selection),
    });
  }

  /** Starts the work; its summary leads back to `back`, the list the selection came from. */
  function startJob(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: BulkJobKind | MailJobKind,
    title: string,
    params: { selection: Selection | TrashSelection } & Record<string, unknown>,
    back: JobLink = { label: 'Back to the users list', href: backTo(params.selection as Selection) },
  ) {
    const job = { kind, title, actorId: request.actor.id, params: { ...params, back }, requestId: request.id };
    const id = app.jobs.runner.start(job);
    return reply.code(303).redirect(`/jobs/${id}`);
  }

  function withSelection(
    request: FastifyRequest<{ Body: Body }>,
    reply: FastifyReply,
    then: (selection: Selection) => unknown,
    body: Body = request.body,
  ) {
    const selection = readSelection(body);
    if ('error' in selection) return refuseSelection(reply, selection.error);
    try {
      return then(selection);
    } catch (err) {
      if (err instanceof OutOfScopeError) return refuseSelection(reply, err.message, selection);
      throw err;
    }
  }

  /** The bar above the list posts here: the chosen action's form or confirmation. */
  app.post<{ Body: Body }>('/users/bulk', async (request, reply) =>
    withSelection(request, reply, (selection) => {
      const action = String(request.body?.action ?? '');
      if (isMailAction(action) || action === COMPOSE) return mailAction(request, reply, selection, action);
      if (!SELECTION_ACTIONS.includes(action))
        return refuseSelection(reply, 'Choose an action for the selected users.');
      if (!mayApply(request.actor, action)) return refuseAction(reply, action);
      if (action === 'update') return renderUpdateForm(reply, selection, {});
      // The broadcast form takes the same fields; 307 has the browser post them there.
      if (action === 'broadcast') return reply.code(307).redirect('/broadcasts/new');
      return confirmAction(request, reply, selection, action);
    }),
  );

  function confirmAction(request: FastifyRequest, reply: FastifyReply, selection: Selection, action: string) {
    const { actor } = request;
    if (action === 'delete') {
      const result = preview(request, selection, (n) =>
        previewAction(db, n, deleteRules(actor), EVERYONE, DELETE_NAMED),
      );
      return renderConfirmation(reply, {
        title: 'Delete users',
        verb: 'Delete',
        action: 'delete',
        target: '/users/bulk/apply',
        selection,
        preview: result,
        danger: true,
      });
    }
    if (action === 'reset') {
      const mailReady = mailConfigured(db);
      const { split, ...result } = preview(request, selection, (n) => ({
        ...previewAction(db, n, resetRules(actor), EVERYONE),
        split: resetSplit(db, mailReady),
      }));
      const limit = `Temporary passwords are made for at most ${MAX_TEMPORARY_PASSWORDS.toLocaleString('en')} users at a time`;
      return renderConfirmation(reply, {
        title: mailReady ? 'Reset passwords (email links)' : 'Reset passwords',
        verb: 'Reset the passwords of',
        action: 'reset',
        target: '/users/bulk/apply',
        selection,
        preview: result,
        split,
        danger: true,
        problem:
          split.byPassword <= MAX_TEMPORARY_PASSWORDS
            ? undefined
            : mailReady
              ? `${limit}, and ${split.byPassword.toLocaleString('en')} of these users have no email address: select fewer.`
              : `${limit}: select fewer.`,
      });
    }
    const name = action as keyof typeof ACCESS_ACTIONS;
    const spec = ACCESS_ACTIONS[name];
    const { shortfall, ...result } = preview(request, selection, (n) => {
      const previewed = previewAction(db, n, accessRules(actor, name), spec.changes(Date.now()));
      const seats = SEAT_TAKING_ACCESS[name];
      const willChange = sql`${IN_BULK} and ${spec.changes(Date.now())} and ${NOT_REFUSED}`;
      return { ...previewed, shortfall: seats ? seatShortfalls(db, bulkSeatGains(db, seats, willChange)) : [] };
    });
    return renderConfirmation(reply, {
      problem: shortfallWords(shortfall),
      title: `${spec.label}: selected users`,
      verb: spec.verb,
      action: name,
      target: '/users/bulk/apply',
      selection,
      preview: result,
      danger: spec.endsSessions,
    });
  }

  /** Whether a mail action may go ahead: the permission, and mail set up; the refusal otherwise. */
  function mailRefusal(request: FastifyRequest, reply: FastifyReply, action: string) {
    if (!mayMail(request.actor, action)) return notAllowed(reply, PERMISSION_WORDS.email);
    if (!mailConfigured(db)) return refuseSelection(reply, 'Mail is not set up, so nothing can be sent.');
    return undefined;
  }

  /** A mail action's confirmation (M1), or the addresses to compose a mail to (M3). */
  function mailAction(
    request: FastifyRequest<{ Body: Body }>,
    reply: FastifyReply,
    selection: Selection,
    action: string,
  ) {
    const refused = mailRefusal(request, reply, action);
    if (refused) return refused;
    if (action === COMPOSE) {
      return reply.view('bulk/compose', {
        title: 'Compose email',
        composition: compose(db, request.actor, selection),
        cap: COMPOSE_CAP,
        fields: selectionFields(selection),
        back: backTo(selection),
      });
    }
    const name = action as keyof typeof MAIL_ACTIONS;
    const userPage = userPageOf(request.body);
    const { skipped, ...result } = preview(request, selection, (n) => ({
      ...previewAction(db, n, mailRules(request.actor, name), HAS_MAIL_ADDRESS),
      skipped: withoutAddress(db),
    }));
    return renderConfirmation(reply, {
      title: MAIL_ACTIONS[name].title,
      verb: MAIL_ACTIONS[name].verb,
      action: name,
      target: '/users/bulk/apply',
      selection,
      preview: result,
      skipped,
      back: userPage,
      extraFields: userPage ? [['back', userPage]] : [],
      problem:
        skipped === result.selected
          ? `None of the selected users has an email address, so there is nobody to send to.`
          : undefined,
    });
  }

  /** Starts a confirmed status, password, delete or mail action. */
  app.post<{ Body: Body }>('/users/bulk/apply', async (request, reply) =>
    withSelection(request, reply, (selection) => {
      const action = String(request.body?.action ?? '');
      if (isMailAction(action)) {
        const refused = mailRefusal(request, reply, action);
        if (refused) return refused;
        const userPage = userPageOf(request.body);
        const back = userPage ? { label: 'Back to the user', href: userPage } : undefined;
        return startJob(request, reply, 'mail.bulk', MAIL_ACTIONS[action].running, { selection, action }, back);
      }
      if (action !== 'delete' && action !== 'reset' && !isAccessAction(action))
        return refuseSelection(reply, 'Choose an action for the selected users.');
      if (!mayApply(request.actor, action)) return refuseAction(reply, action);
      if (action === 'delete') return startJob(request, reply, 'bulk.delete', 'Deleting users', { selection });
      if (action === 'reset') return startJob(request, reply, 'bulk.reset', 'Resetting passwords', { selection });
      return startJob(request, reply, 'bulk.access', `${ACCESS_ACTIONS[action].label}: selected users`, {
        selection,
        action,
      });
    }),
  );

  /** The update form, checked: the form again with its problems, or the confirmation. */
  app.post<{ Body: Body }>('/users/bulk/update/review', editing, async (request, reply) =>
    withSelection(request, reply, (selection) => {
      const form = readBulkForm(request.body);
      const checked = validateBulkForm(db, request.actor, form);
      if ('errors' in checked) return renderUpdateForm(reply, selection, form, checked.errors, 422);
      return confirmUpdate(request, reply, selection, form, checked.changes, 'Update users');
    }),
  );

  function confirmUpdate(
    request: FastifyRequest,
    reply: FastifyReply,
    selection: Selection,
    form: BulkForm,
    changes: BulkChanges,
    title: string,
    verb = 'Update',
  ) {
    const rules = updateRules(request.actor, changes);
    const { shortfall, ...result } = preview(request, selection, (n) => {
      const previewed = previewAction(db, n, rules, changeCondition(changes));
      const willChange = sql`${IN_BULK} and ${changeCondition(changes)} and ${NOT_REFUSED}`;
      return { ...previewed, shortfall: seatShortfalls(db, bulkSeatGains(db, changes, willChange)) };
    });
    return renderConfirmation(reply, {
      problem: shortfallWords(shortfall),
      title,
      verb,
      action: 'update',
      target: '/users/bulk/update',
      selection,
      preview: result,
      lines: describeChanges(changes, formOptions(db)),
      extraFields: Object.entries(form).flatMap(([name, value]) =>
        [value].flat().map((v): [string, string] => [name, v]),
      ),
    });
  }

  /** Starts a confirmed update; the form is read and checked again, never taken on trust. */
  app.post<{ Body: Body }>('/users/bulk/update', editing, async (request, reply) =>
    withSelection(request, reply, (selection) => {
      const form = readBulkForm(request.body);
      const checked = validateBulkForm(db, request.actor, form);
      if ('errors' in checked) return renderUpdateForm(reply, selection, form, checked.errors, 422);
      return startJob(request, reply, 'bulk.update', 'Updating users', { selection, changes: checked.changes });
    }),
  );

  /**
   * A database column's action in the database view (L7): give that database to the selection,
   * or take it away, as a bulk update of the databases field, so it has the update's
   * confirmation, refusals, job and audit. The button says which: `give:ID` or `take:ID`, and
   * `:all` for every user matching the list rather than the ticked ones.
   */
  app.post<{ Body: Body }>('/users/bulk/databases', editing, async (request, reply) => {
    const asked = /^(give|take):(\d{1,15})(:all)?$/.exec(String(request.body?.database ?? ''));
    const database = asked && formOptions(db).databases.find((d) => d.id === Number(asked[2]));
    if (!asked || !database) return refuseSelection(reply, 'Choose a database from the list.');
    const give = asked[1] === 'give';
    const body = asked[3] ? { ...request.body, all: '1' } : request.body;
    return withSelection(
      request,
      reply,
      (selection) => {
        const form: BulkForm = { databases_mode: give ? 'add' : 'remove', databases: String(database.id) };
        const checked = validateBulkForm(db, request.actor, form);
        if ('errors' in checked) return refuseSelection(reply, 'Choose a database from the list.');
        return confirmUpdate(
          request,
          reply,
          selection,
          form,
          checked.changes,
          give ? `Give access to ${database.name}` : `Take away access to ${database.name}`,
          give ? `Give access to ${database.name} to` : `Take away access to ${database.name} from`,
        );
      },
      body,
    );
  });

  /** Change supervisor (B3): everyone supervised by one person gets another. */
  app.get('/users/supervisor-change', editing, async (_request, reply) =>
    reply.view('bulk/supervisor', { title: 'Change supervisor', current: '', replacement: '', errors: {} }),
  );

  app.post<{ Body: { current?: string; replacement?: string } }>(
    '/users/supervisor-change',
    editing,
    async (request, reply) => {
      const current = String(request.body?.current ?? '').slice(0, 300);
      const replacement = String(request.body?.replacement ?? '').slice(0, 300);
      const errors: Record<string, string> = {};
      const from = lookUp(request, current);
      const to = lookUp(request, replacement);
      if (!from) errors.current = 'Choose the current supervisor from the suggestions.';
      if (!to) errors.replacement = 'Choose the new supervisor from the suggestions.';
      if (from && to && from.id === to.id) errors.replacement = 'Choose someone other than the current supervisor.';
      if (!from || !to || Object.keys(errors).length > 0) {
        return reply.code(422).view('bulk/supervisor', { title: 'Change supervisor', current, replacement, errors });
      }
      const selection: Selection = { query: `supervisor=${from.id}` };
      const supervisor = { id: to.id, label: personLabel(db, to.id) };
      // The confirmation posts the same fields the update form would, and they are checked again then.
      const form: BulkForm = { supervisor_mode: 'set', supervisor: supervisor.label };
      const changes: BulkChanges = { lists: {}, references: {}, supervisor };
      return confirmUpdate(
        request,
        reply,
        selection,
        form,
        changes,
        `Change supervisor: ${displayName(from)}`,
        'Change the supervisor of',
      );
    },
  );

  function lookUp(request: FastifyRequest, text: string) {
    const id = personIdOf(db, text);
    return id === undefined ? undefined : findVisibleUser(db, request.actor, id);
  }

  /** Restores a batch from the trash: ticked on the trash page, or all of one bulk delete. */
  app.post<{ Body: { id?: string | string[]; deletedAt?: string } }>(
    '/trash/restore',
    restoring,
    async (request, reply) => {
      const deletedAt = Number(request.body?.deletedAt);
      const ids = tickedIds(request.body);
      const selection: TrashSelection | undefined =
        Number.isSafeInteger(deletedAt) && deletedAt > 0 ? { deletedAt } : ids.length > 0 ? { ids } : undefined;
      if (!selection) {
        reply.flash('error', 'Select at least one user to restore.');
        return reply.redirect('/trash');
      }
      return startJob(
        request,
        reply,
        'bulk.restore',
        'Restoring users',
        { selection },
        { label: 'Back to the trash', href: '/trash' },
      );
    },
  );
}
