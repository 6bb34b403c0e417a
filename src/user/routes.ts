import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { generatePassword, hashPassword } from '../auth/passwords.js';
import { allowedIf, refusedPage } from '../access/guards.js';
import { actionsOn, mayAddUsers, mayEditUsers, PERMISSION_WORDS, refusals } from '../access/policy.js';
import {
  type AvatarChange,
  avatarMultipartOptions,
  avatarOf,
  avatarTypeOf,
  type AvatarUpload,
  fileWasChosen,
  readAvatarUpload,
} from './avatar.js';
import { displayName } from '../users/derived-fields.js';
import { userDetail } from './detail-service.js';
import { cell, statusOf } from '../list/list-view.js';
import { findVisibleUser } from '../users/repository.js';
import { supervisorSuggestions } from './supervisor-picker.js';
import { mailConfigured } from '../settings/mail-settings.js';
import { userMailActions } from '../mail/mail-actions.js';
import { welcomeNewUser, welcomeOffered } from '../mail/welcome-mail.js';

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

import { LicenceLimitError, shortfallErrors } from '../licences/limits.js';

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

/** What the flash after New or Clone adds about the welcome mail. */
function welcomeWords(asked: boolean, address: string): string {
  if (!asked) return '';
  return address === ''
    ? ' No welcome mail was sent: the user has no email address.'
    : ` A welcome mail is on its way to ${address}.`;
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
  /** A file came with the form: it cannot be handed back, so the person must choose it again. */
  fileDropped?: boolean;
  /** New and Clone: whether the welcome mail box is ticked (it starts ticked). */
  sendWelcome?: boolean;
}

/** The form's problems with the avatar's added; undefined when there are none at all. */
function withAvatarErrors(
  errors: FormErrors | undefined,
  upload: AvatarUpload,
  input: UserFormInput,
): FormErrors | undefined {
  const all = { ...errors };
  if (upload.kind === 'refused') all.avatar = upload.error;
  else if (upload.kind === 'image' && input.removeAvatar) {
    all.avatar = 'Either choose a new image or tick Remove avatar, not both.';
  }
  return Object.keys(all).length > 0 ? all : undefined;
}

const refusedStatus = (upload: AvatarUpload) => (upload.kind === 'refused' && upload.tooLarge ? 413 : 422);

function avatarChange(upload: AvatarUpload, input: UserFormInput): AvatarChange {
  if (upload.kind === 'image') return { mimeType: upload.mimeType, data: upload.data };
  return input.removeAvatar ? 'remove' : undefined;
}

/** One user: their page, and the New, Edit and Clone forms. */
export default async function oneUserRoutes(app: FastifyInstance) {
  // Only these forms take files, so only their routes accept multipart, with the avatar's limits.
  await app.register(multipart, avatarMultipartOptions);

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
    return reply.view('users/show', {
      title: displayName(detail.user),
      detail,
      cell,
      statusOf,
      generatedPassword,
      hasAvatar: avatarTypeOf(app.db, detail.user.id) !== undefined,
      mail: userMailActions(
        request.actor,
        mailConfigured(app.db),
        detail.user,
        refusals(app.db, request.actor, 'password', detail.user).length === 0,
      ),
      may: actionsOn(app.db, request.actor, detail.user),
    });
  });

  app.get<{ Params: { id: string } }>('/users/:id/avatar', async (request, reply) => {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(app.db, request.actor, id) : undefined;
    const avatar = user ? avatarOf(app.db, user.id) : undefined;
    if (!avatar) return reply.callNotFound();
    // The bytes were checked on upload; these headers make sure a browser still never treats
    // them as anything but an image: no sniffing, no script, no download under another name.
    return reply
      .header('Content-Type', avatar.mimeType)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Disposition', 'inline; filename="avatar"')
      .header('Cache-Control', 'private, max-age=300')
      .header('Content-Security-Policy', "default-src 'none'")
      .send(avatar.data);
  });

  function renderForm(reply: FastifyReply, status: number, state: FormState) {
    const editing = state.userId !== undefined;
    const errors = state.errors ?? {};
    return reply.code(status).view('users/form', {
      title: editing
        ? `Edit ${displayName(state.input)}`
        : state.cloneOf
          ? `New user, copied from ${state.cloneOf}`
          : 'New user',
      editing,
      action: editing ? `/users/${state.userId}` : '/users',
      options: formOptions(app.db),
      weekdays: WEEKDAYS,
      minLength: app.config.passwordMinLength,
      ...state,
      errors,
      openedJson: state.opened ? JSON.stringify(state.opened) : '',
      avatarType: editing ? avatarTypeOf(app.db, state.userId!) : undefined,
      // Never send a password back to the browser.
      input: { ...state.input, password: '' },
      welcome:
        editing || !welcomeOffered(app.db, reply.request.actor) ? undefined : { checked: state.sendWelcome ?? true },
    });
  }

  /**
   * Suggestions for a supervisor field: the whole page's datalist options, at most twenty. A
   * picker sends what was typed under its own field's name (supervisor, current, replacement…),
   * so the text is whichever parameter is not `except`.
   */
  app.get<{ Querystring: Record<string, string | undefined> }>('/users/supervisors', async (request, reply) => {
    const { except: _except, ...typedFields } = request.query;
    const typed = String(Object.values(typedFields)[0] ?? '').slice(0, 200);
    const except = idParam(String(request.query.except ?? ''));
    const suggestions = supervisorSuggestions(app.db, request.actor, typed, except);
    return reply.view('users/_supervisor-options', { suggestions });
  });

  const addingUsers = { preHandler: allowedIf(mayAddUsers, 'add users') };

  app.get<{ Querystring: { from?: string } }>('/users/new', addingUsers, async (request, reply) => {
    if (request.query.from === undefined) return renderForm(reply, 200, { input: blankInput() });
    const fromId = idParam(request.query.from);
    const source = fromId ? findVisibleUser(app.db, request.actor, fromId) : undefined;
    if (!source) return reply.callNotFound();
    return renderForm(reply, 200, {
      input: cloneInput(inputFromUser(app.db, source)),
      cloneOf: displayName(source),
    });
  });

  app.post<{ Body: Record<string, unknown> }>('/users', addingUsers, async (request, reply) => {
    const input = readUserForm(request.body);
    const policy = { minLength: app.config.passwordMinLength };
    const checked = validateUserForm(app.db, input, { actor: request.actor, policy });
    const upload = await readAvatarUpload(request);
    const fileDropped = fileWasChosen(request);
    const errors = withAvatarErrors(checked.errors, upload, input);
    const sendWelcome = request.body?.sendWelcome === 'on';
    if (errors || !checked.values) {
      return renderForm(reply, refusedStatus(upload), { input, errors, fileDropped, sendWelcome });
    }
    const generated = input.passwordMode === 'generate' ? generatePassword() : undefined;
    const plain = generated ?? (input.passwordMode === 'set' ? input.password : undefined);
    const hash = plain === undefined ? null : await hashPassword(plain);
    const welcome = sendWelcome && welcomeOffered(app.db, request.actor);
    let welcomedAt = '';
    try {
      const user = createUser(
        app.db,
        request.actor,
        checked.values,
        { hash, mustChange: input.mustChangePassword },
        request.id,
        avatarChange(upload, input),
        welcome
          ? (tx, created, now) => (welcomedAt = welcomeNewUser(tx, app.mail.outbox, request.actor, created, now))
          : undefined,
      );
      if (generated) request.session.shownPassword = { userId: user.id, password: generated };
      reply.flash('success', `${displayName(user)} was created.${welcomeWords(welcome, welcomedAt)}`);
      return reply.redirect(`/users/${user.id}`, 303);
    } catch (error) {
      if (error instanceof UsernameTakenError) {
        return renderForm(reply, 422, { input, errors: { username: USERNAME_TAKEN }, fileDropped, sendWelcome });
      }
      if (error instanceof LicenceLimitError) {
        return renderForm(reply, 422, { input, errors: shortfallErrors(error), fileDropped });
      }
      throw error;
    }
  });

  /** A user the actor may edit: 404 outside their scope, 403 with the reason when a protection refuses. */
  function editable(request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) {
    const id = idParam(request.params.id);
    const user = id ? findVisibleUser(app.db, request.actor, id) : undefined;
    if (!user) return { refused: reply.callNotFound() };
    const [reason] = refusals(app.db, request.actor, 'edit', user);
    return reason ? { refused: refusedPage(reply, reason) } : { user };
  }

  const editing = { preHandler: allowedIf(mayEditUsers, PERMISSION_WORDS.edit) };

  app.get<{ Params: { id: string } }>('/users/:id/edit', editing, async (request, reply) => {
    const { user, refused } = editable(request, reply);
    if (!user) return refused;
    return renderForm(reply, 200, {
      input: inputFromUser(app.db, user),
      userId: user.id,
      version: user.version,
      opened: snapshot(app.db, user.id),
    });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/users/:id', editing, async (request, reply) => {
    const { user, refused } = editable(request, reply);
    if (!user) return refused;
    const body = request.body ?? {};
    const input = readUserForm(body);
    const version = Number(body.version);
    let opened: Snapshot | undefined;
    try {
      opened = JSON.parse(String(body.opened ?? '')) as Snapshot;
    } catch {
      opened = undefined;
    }
    const state: FormState = { input, userId: user.id, version, opened, fileDropped: fileWasChosen(request) };
    const checked = validateUserForm(app.db, input, { actor: request.actor, userId: user.id });
    const upload = await readAvatarUpload(request);
    const errors = withAvatarErrors(checked.errors, upload, input);
    if (errors || !checked.values) return renderForm(reply, refusedStatus(upload), { ...state, errors });
    try {
      const changes = updateUser(
        app.db,
        request.actor,
        user.id,
        version,
        checked.values,
        request.id,
        avatarChange(upload, input),
      );
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
      if (error instanceof LicenceLimitError)
        return renderForm(reply, 422, { ...state, errors: shortfallErrors(error) });
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
        fileDropped: state.fileDropped,
      });
    }
  });
}
