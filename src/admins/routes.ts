import type { FastifyInstance, FastifyReply } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayManageAdministrators } from '../access/policy.js';
import { hashPassword } from '../auth/passwords.js';
import { referenceLists } from '../reference/reference-lists.js';
import {
  type FieldErrors,
  type FirstAdminInput,
  readFirstAdminInput,
  validateFirstAdmin,
} from '../setup/first-admin.js';
import { displayName } from '../users/derived-fields.js';
import { usernameTaken } from '../user/user-form.js';
import { personIdOf } from '../user/supervisor-label.js';
import { UsernameTakenError } from '../user/user-writes.js';
import {
  type AccessErrors,
  type AccessInput,
  accessInputOf,
  blankAccess,
  readAccessForm,
  validateAccess,
} from './access-form.js';
import { findAdministrator, findManagedUser, listAdministrators } from './repository.js';
import {
  changeAdministration,
  createAdministrator,
  grantAdministration,
  NotFoundError,
  RefusedError,
  revokeAdministration,
  superuserLossRefusal,
} from './service.js';
import { administratorLine } from './view.js';
import { requiredForAdministrators } from '../two-step/requirement.js';
import { PERMISSION_LABELS, SCOPE_LABELS } from './words.js';

const USERNAME_TAKEN = 'This username is already taken.';

/** Route ids are positive integers; anything else names nobody. */
function idParam(value: string): number | undefined {
  const id = Number(value);
  return /^\d+$/.test(value) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

type Mode = 'grant' | 'new' | 'edit';

/** Everything the administrator form shows; which parts appear depends on the mode. */
interface FormState {
  mode: Mode;
  access: AccessInput;
  errors?: AccessErrors & FieldErrors & { user?: string };
  /** Grant: what was typed in the user picker. */
  picked?: string;
  /** New: the account's own fields (passwords are never sent back). */
  account?: FirstAdminInput;
  /** Edit: who is being changed. */
  admin?: { id: number; name: string; username: string };
  /** A protection refused the change. */
  refused?: string;
}

const TITLES: Record<Mode, string> = {
  grant: 'Make a user an administrator',
  new: 'New administrator account',
  edit: 'Change administrator',
};

/** The Administrators page and its forms: superusers only, every route. */
export default async function administratorRoutes(app: FastifyInstance) {
  const { db } = app;
  app.addHook('preHandler', allowedIf(mayManageAdministrators, 'manage administrators'));

  function renderForm(reply: FastifyReply, status: number, state: FormState) {
    const lists = referenceLists(db);
    const errors = state.errors ?? {};
    return reply.code(status).view('admins/form', {
      title: state.admin ? `Change ${state.admin.name}` : TITLES[state.mode],
      ...state,
      errors,
      account: state.account && { ...state.account, password: '', passwordConfirmation: '' },
      permissionLabels: Object.entries(PERMISSION_LABELS),
      scopeLists: Object.entries(SCOPE_LABELS).map(([kind, label]) => ({
        kind,
        label,
        options: lists[kind as keyof typeof SCOPE_LABELS].options,
      })),
      minLength: app.config.passwordMinLength,
    });
  }

  app.get('/admins', async (request, reply) => {
    const lists = referenceLists(db);
    const lines = listAdministrators(db).map((admin) => administratorLine(admin, lists));
    return reply.view('admins/list', {
      title: 'Administrators',
      lines,
      selfId: request.actor.id,
      twoStepRequired: requiredForAdministrators(db),
    });
  });

  app.get('/admins/grant', async (_request, reply) =>
    renderForm(reply, 200, { mode: 'grant', access: blankAccess(), picked: '' }),
  );

  app.post<{ Body: Record<string, unknown> }>('/admins/grant', async (request, reply) => {
    const access = readAccessForm(request.body);
    const picked = String(request.body?.user ?? '')
      .trim()
      .slice(0, 300);
    const checked = validateAccess(db, access);
    const errors: FormState['errors'] = { ...checked.errors };
    const id = personIdOf(db, picked);
    const user = id ? findManagedUser(db, id) : undefined;
    if (!user) {
      errors.user =
        id && findAdministrator(db, id)
          ? 'This user is already an administrator: change them from the list instead.'
          : 'Choose a user from the suggestions.';
    }
    if (!user || !checked.values) return renderForm(reply, 422, { mode: 'grant', access, picked, errors });
    try {
      grantAdministration(db, request.actor, user.id, checked.values, request.id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      const gone = { user: 'Choose a user from the suggestions.' };
      return renderForm(reply, 422, { mode: 'grant', access, picked, errors: gone });
    }
    reply.flash('success', `${displayName(user)} is now an administrator.`);
    return reply.redirect('/admins', 303);
  });

  app.get('/admins/new', async (_request, reply) =>
    renderForm(reply, 200, { mode: 'new', access: blankAccess(), account: readFirstAdminInput({}) }),
  );

  app.post<{ Body: Record<string, unknown> }>('/admins', async (request, reply) => {
    const access = readAccessForm(request.body);
    const account = readFirstAdminInput(request.body);
    const checked = validateAccess(db, access);
    const errors: FormState['errors'] = {
      ...checked.errors,
      ...validateFirstAdmin(account, { minLength: app.config.passwordMinLength }),
    };
    if (!errors.username && usernameTaken(db, account.username)) errors.username = USERNAME_TAKEN;
    if (Object.keys(errors).length > 0 || !checked.values) {
      return renderForm(reply, 422, { mode: 'new', access, account, errors });
    }
    try {
      const user = createAdministrator(
        db,
        request.actor,
        { ...account, passwordHash: await hashPassword(account.password) },
        checked.values,
        request.id,
      );
      reply.flash('success', `${displayName(user)} was created as an administrator.`);
      return reply.redirect('/admins', 303);
    } catch (error) {
      if (!(error instanceof UsernameTakenError)) throw error;
      return renderForm(reply, 422, { mode: 'new', access, account, errors: { username: USERNAME_TAKEN } });
    }
  });

  const adminOf = (params: { id: string }) => {
    const id = idParam(params.id);
    return id ? findAdministrator(db, id) : undefined;
  };
  const named = (admin: NonNullable<ReturnType<typeof adminOf>>) => ({
    id: admin.id,
    name: displayName(admin),
    username: admin.username,
  });

  app.get<{ Params: { id: string } }>('/admins/:id/edit', async (request, reply) => {
    const admin = adminOf(request.params);
    if (!admin) return reply.callNotFound();
    return renderForm(reply, 200, { mode: 'edit', access: accessInputOf(admin), admin: named(admin) });
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> }>('/admins/:id', async (request, reply) => {
    const admin = adminOf(request.params);
    if (!admin) return reply.callNotFound();
    const access = readAccessForm(request.body);
    const state: FormState = { mode: 'edit', access, admin: named(admin) };
    const checked = validateAccess(db, access);
    if (!checked.values) return renderForm(reply, 422, { ...state, errors: checked.errors });
    try {
      const changes = changeAdministration(db, request.actor, admin.id, checked.values, request.id);
      const name = displayName(admin);
      reply.flash(
        Object.keys(changes).length > 0 ? 'success' : 'info',
        Object.keys(changes).length > 0 ? `${name}’s access was changed.` : `Nothing changed for ${name}.`,
      );
      return reply.redirect('/admins', 303);
    } catch (error) {
      if (error instanceof RefusedError) return renderForm(reply, 409, { ...state, refused: error.message });
      if (error instanceof NotFoundError) return reply.callNotFound();
      throw error;
    }
  });

  app.get<{ Params: { id: string } }>('/admins/:id/revoke', async (request, reply) => {
    const admin = adminOf(request.params);
    if (!admin) return reply.callNotFound();
    const refused = superuserLossRefusal(db, request.actor, admin);
    return reply.view('admins/revoke', { title: `Revoke ${displayName(admin)}`, admin: named(admin), refused });
  });

  app.post<{ Params: { id: string } }>('/admins/:id/revoke', async (request, reply) => {
    const admin = adminOf(request.params);
    if (!admin) return reply.callNotFound();
    try {
      const { sessionsEnded } = revokeAdministration(db, request.actor, admin.id, request.id);
      const sessions = sessionsEnded === 1 ? '1 session' : `${sessionsEnded} sessions`;
      reply.flash(
        'success',
        `${displayName(admin)} is no longer an administrator and was signed out of ${sessions}. The account stays a user.`,
      );
      // Revoking yourself ends your own session too: the sign-in page is where you are now.
      return reply.redirect(admin.id === request.actor.id ? '/signin' : '/admins', 303);
    } catch (error) {
      if (error instanceof RefusedError) {
        return reply.code(409).view('admins/revoke', {
          title: `Revoke ${displayName(admin)}`,
          admin: named(admin),
          refused: error.message,
        });
      }
      if (error instanceof NotFoundError) return reply.callNotFound();
      throw error;
    }
  });
}
