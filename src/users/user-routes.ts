import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { displayName } from './derived-fields.js';
import { userDetail } from './detail-service.js';
import { cell, statusOf } from './list-view.js';
import { findVisibleUser } from './repository.js';
import { supervisorSuggestions } from './supervisor-picker.js';
import {
  blankInput,
  cloneInput,
  type FormErrors,
  formOptions,
  inputFromUser,
  readUserForm,
  type UserFormInput,
  validateUserForm,
  WEEKDAYS,
} from './user-form.js';
import {
  createUser,
  diff,
  EditConflictError,
  FIELD_LABELS,
  type Snapshot,
  snapshot,
  updateUser,
  UsernameTakenError,
} from './user-writes.js';

declare module 'fastify' {
  interface Session {
    /** A generated password, shown once on the new user's page and then forgotten. */
    shownPassword?: { userId: number; password: string };
  }
}

const USERNAME_TAKEN = 'This username is already taken.';

/** Route ids are positive integers; anything else names nobody. */
function idParam(value: string): number | undefined {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

interface FormState {
  input: UserFormInput;
  errors?: FormErrors;
  /** Set when editing. */
  userId?: number;
  version?: number;
  /** The user's fields as the form was opened, so a conflict can name what someone else changed. */
  opened?: Snapshot;
  conflict?: string[];
  cloneOf?: string;
}

/**
 * A scoped administrator would not see a user they created: scopes cannot be assigned yet, so
 * until they can, adding users is for superusers.
 */
function refuseUnlessSuperuser(request: FastifyRequest, reply: FastifyReply) {
  if (request.actor.adminRole === 'superuser') return undefined;
  return reply.code(403).view('errors/error', {
    title: 'Not allowed',
    message: 'Only superusers can add users.',
    status: 403,
  });
}

/** One user: their page, and the New, Edit and Clone forms. */
export default async function oneUserRoutes(app: FastifyInstance) {
  app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    const id = idParam(request.params.id);
    const detail = id ? userDetail(app.db, request.actor, id) : undefined;
    if (!detail) return reply.callNotFound();
    let generatedPassword: string | undefined;
    const shown = request.session.shownPassword;
    if (shown && shown.userId === detail.user.id) {
      generatedPassword = shown.password;
      request.session.shownPassword = undefined;
      // The page holds a password: no cache, not even the browser's back-forward one, keeps it.
      reply.header('Cache-Control', 'no-store');
    }
    return reply.view('users/show', { title: displayName(detail.user), detail, cell, statusOf, generatedPassword });
  });

  function renderForm(reply: FastifyReply, status: number, state: FormState) {
    const editing = state.userId !== undefined;
    const errors = state.errors ?? {};
    return reply.code(status).view('users/form', {
      title: editing ? `Edit ${state.input.fullName || state.input.username}` : 'New user',
      editing,
      action: editing ? `/users/${state.userId}` : '/users',
      options: formOptions(app.db),
      weekdays: WEEKDAYS,
      minLength: app.config.passwordMinLength,
      ...state,
      errors,
      openedJson: state.opened ? JSON.stringify(state.opened) : '',
      // Never send a password back to the browser.
      input: { ...state.input, password: '' },
    });
  }

  /** Suggestions for the supervisor field: the whole page's datalist options, at most twenty. */
  app.get<{ Querystring: { q?: string; supervisor?: string; except?: string } }>(
    '/users/supervisors',
    async (request, reply) => {
      const typed = String(request.query.q ?? request.query.supervisor ?? '').slice(0, 200);
      const except = idParam(String(request.query.except ?? ''));
      const suggestions = supervisorSuggestions(app.db, request.actor, typed, except);
      return reply.view('users/_supervisor-options', { suggestions });
    },
  );

  app.get<{ Querystring: { from?: string } }>('/users/new', async (request, reply) => {
    if (refuseUnlessSuperuser(request, reply)) return reply;
    if (request.query.from === undefined) return renderForm(reply, 200, { input: blankInput() });
    const fromId = idParam(request.query.from);
    const source = fromId ? findVisibleUser(app.db, request.actor, fromId) : undefined;
    if (!source) return reply.callNotFound();
    return renderForm(reply, 200, {
      input: cloneInput(inputFromUser(app.db, source)),
      cloneOf: displayName(source),
    });
  });

  app.post<{ Body: Record<string, unknown> }>('/users', async (request, reply) => {
    if (refuseUnlessSuperuser(request, reply)) return reply;
    const input = readUserForm(request.body);
    const policy = { minLength: app.config.passwordMinLength };
    const checked = validateUserForm(app.db, input, { actor: request.actor, policy });
    if (checked.errors) return renderForm(reply, 422, { input, errors: checked.errors });
    const generated = input.passwordMode === 'generate' ? generatePassword() : undefined;
    const plain = generated ?? (input.passwordMode === 'set' ? input.password : undefined);
    const hash = plain === undefined ? null : await hashPassword(plain);
    try {
      const actor = { id: request.actor.id, name: displayName(request.actor) };
      const user = createUser(
        app.db,
        actor,
        checked.values,
        { hash, mustChange: input.mustChangePassword },
        request.id,
      );
      if (generated) request.session.shownPassword = { userId: user.id, password: generated };
      reply.flash('success', `${displayName(user)} was created.`);
      return reply.redirect(`/users/${user.id}`, 303);
    } catch (error) {
      if (error instanceof UsernameTakenError) {
        return renderForm(reply, 422, { input, errors: { username: USERNAME_TAKEN } });
      }
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>('/users/:id/edit', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(app.db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    return renderForm(reply, 200, {
      input: inputFromUser(app.db, user),
      userId: user.id,
      version: user.version,
      opened: snapshot(app.db, user.id),
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/users/:id', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(app.db, request.actor, id) : undefined;
    if (!user) return reply.callNotFound();
    const body = request.body ?? {};
    const input = readUserForm(body);
    const version = Number(body.version);
    let opened: Snapshot | undefined;
    try {
      opened = JSON.parse(String(body.opened ?? '')) as Snapshot;
    } catch {
      opened = undefined;
    }
    const state: FormState = { input, userId: user.id, version, opened };
    const checked = validateUserForm(app.db, input, { actor: request.actor, userId: user.id });
    if (checked.errors) return renderForm(reply, 422, { ...state, errors: checked.errors });
    try {
      const actor = { id: request.actor.id, name: displayName(request.actor), adminRole: request.actor.adminRole };
      const changes = updateUser(app.db, actor, user.id, version, checked.values, request.id);
      const changed = Object.keys(changes).length;
      reply.flash(
        changed ? 'success' : 'info',
        changed ? `${displayName(checked.values)} was saved.` : 'Nothing was changed.',
      );
      return reply.redirect(`/users/${user.id}`, 303);
    } catch (error) {
      if (error instanceof UsernameTakenError) {
        return renderForm(reply, 422, { ...state, errors: { username: USERNAME_TAKEN } });
      }
      if (!(error instanceof EditConflictError)) throw error;
      const current = findVisibleUser(app.db, request.actor, user.id);
      if (!current) return reply.callNotFound();
      const now = snapshot(app.db, user.id)!;
      const theirs = opened ? Object.keys(diff(opened, now)).map((key) => FIELD_LABELS[key]!) : [];
      // The form now carries the current version: saving again is a deliberate choice to
      // replace what the other administrator saved, made after reading which fields they changed.
      return renderForm(reply, 409, {
        input,
        userId: user.id,
        version: current.version,
        opened: now,
        conflict: theirs,
      });
    }
  });
}
