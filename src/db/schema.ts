import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  blob,
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/**
 * Reference lists (groups, teams, territories, …) all have the same shape: an id and a unique
 * name. Superusers manage them; users point at them.
 */
function referenceList<TName extends string>(tableName: TName) {
  return sqliteTable(tableName, {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
  });
}

export const groups = referenceList('groups');
export const teams = referenceList('teams');
export const territories = referenceList('territories');
export const companies = referenceList('companies');
export const userTypes = referenceList('user_types');
export const roles = referenceList('roles');
export const databases = referenceList('databases');
export const addons = referenceList('addons');

export const LICENCE_TYPES = ['full', 'viewer', 'none'] as const;
export const USER_STATUSES = ['active', 'inactive'] as const;
export const USER_KINDS = ['user', 'resource'] as const;
/** A superuser may do everything; an admin acts inside a scope; null is a managed user. */
export const ADMIN_ROLES = ['superuser', 'admin'] as const;
/**
 * What a scoped administrator may do with the users in their scope (a superuser may do
 * everything). Settings, reference lists and administrators stay with superusers.
 */
export const PERMISSIONS = ['view', 'edit', 'delete', 'access', 'transfer', 'email'] as const;
export type Permission = (typeof PERMISSIONS)[number];
/** The reference lists a scope can name; a user matches a kind when they hold any listed item. */
export const SCOPE_KINDS = ['groups', 'territories', 'companies', 'userTypes'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];

/** Hours available per weekday (Monday first) in odd and in even ISO weeks, for resources. */
export interface Availability {
  odd: number[];
  even: number[];
}

const live = sql`deleted_at is null`;

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull(),
    firstName: text('first_name').notNull().default(''),
    lastName: text('last_name').notNull().default(''),
    fullName: text('full_name').notNull().default(''),
    signature: text('signature').notNull().default(''),
    email: text('email').notNull().default(''),
    phone: text('phone').notNull().default(''),
    extension: text('extension').notNull().default(''),
    userTypeId: integer('user_type_id').references(() => userTypes.id),
    roleId: integer('role_id').references(() => roles.id),
    territoryId: integer('territory_id').references(() => territories.id),
    supervisorId: integer('supervisor_id').references((): AnySQLiteColumn => users.id),
    licenceType: text('licence_type', { enum: LICENCE_TYPES }).notNull().default('none'),
    status: text('status', { enum: USER_STATUSES }).notNull().default('active'),
    blocked: integer('blocked', { mode: 'boolean' }).notNull().default(false),
    lockedUntil: integer('locked_until', { mode: 'timestamp_ms' }),
    failedSigninCount: integer('failed_signin_count').notNull().default(0),
    passwordHash: text('password_hash'),
    passwordChangedAt: integer('password_changed_at', { mode: 'timestamp_ms' }),
    mustChangePassword: integer('must_change_password', { mode: 'boolean' }).notNull().default(false),
    passwordExpiresAt: integer('password_expires_at', { mode: 'timestamp_ms' }),
    twoStepEnabled: integer('two_step_enabled', { mode: 'boolean' }).notNull().default(false),
    kind: text('kind', { enum: USER_KINDS }).notNull().default('user'),
    availability: text('availability', { mode: 'json' }).$type<Availability>(),
    adminRole: text('admin_role', { enum: ADMIN_ROLES }),
    /** A scoped administrator's permissions; ignored for superusers and managed users. */
    adminPermissions: text('admin_permissions', { mode: 'json' }).$type<Permission[]>(),
    notes: text('notes').notNull().default(''),
    lastSigninAt: integer('last_signin_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
    createdBy: integer('created_by').references((): AnySQLiteColumn => users.id, { onDelete: 'set null' }),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' })
      .notNull()
      .default(sql`(unixepoch('subsec') * 1000)`),
    updatedBy: integer('updated_by').references((): AnySQLiteColumn => users.id, { onDelete: 'set null' }),
    /** Incremented by every save, so two administrators never silently overwrite each other. */
    version: integer('version').notNull().default(1),
    /** Set while the user is in the trash. */
    deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }),
    /**
     * Derived, never edited: the normalised search document (indexed by the users_fts trigram
     * table) and normalised sort keys for columns whose value lives in another table. They are
     * rewritten whenever the user or a name they show changes (see users/derived-fields.ts), so
     * sorting by any column can walk an index instead of sorting a million rows.
     */
    searchDoc: text('search_doc').notNull().default(''),
    nameSort: text('name_sort').notNull().default(''),
    groupsSort: text('groups_sort').notNull().default(''),
    teamsSort: text('teams_sort').notNull().default(''),
    companiesSort: text('companies_sort').notNull().default(''),
    addonsSort: text('addons_sort').notNull().default(''),
    databasesSort: text('databases_sort').notNull().default(''),
    territorySort: text('territory_sort').notNull().default(''),
    roleSort: text('role_sort').notNull().default(''),
    userTypeSort: text('user_type_sort').notNull().default(''),
    supervisorSort: text('supervisor_sort').notNull().default(''),
  },
  // Each sortable column has an index whose order is the sort order (the row id, appended by
  // SQLite to every index, breaks ties); the foreign keys have one for filtering. They are
  // partial, over users not in the trash: that is what every list asks for, and it lets SQLite
  // answer from the index alone, without visiting each row to check deleted_at. Status rides
  // along in the filter indexes because it is the filter most often combined with another.
  (t) => [
    // Unique among users not in the trash: a trashed user's name may be taken again, and
    // restoring them then asks for a new one.
    uniqueIndex('users_username_nocase')
      .on(sql`lower(${t.username})`)
      .where(live),
    index('users_trash')
      .on(t.deletedAt)
      .where(sql`deleted_at is not null`),
    index('users_email_nocase').on(sql`lower(${t.email})`),
    index('users_name_sort').on(t.nameSort).where(live),
    index('users_first_name')
      .on(sql`${t.firstName} collate nocase`, sql`${t.lastName} collate nocase`)
      .where(live),
    index('users_groups_sort').on(t.groupsSort).where(live),
    index('users_companies_sort').on(t.companiesSort).where(live),
    index('users_territory_sort').on(t.territorySort).where(live),
    index('users_role_sort').on(t.roleSort).where(live),
    index('users_user_type_sort').on(t.userTypeSort).where(live),
    index('users_supervisor_sort').on(t.supervisorSort).where(live),
    index('users_status').on(t.status).where(live),
    index('users_licence').on(t.licenceType, t.status).where(live),
    index('users_last_signin')
      .on(sql`coalesce(${t.lastSigninAt}, 0)`)
      .where(live),
    index('users_created').on(t.createdAt).where(live),
    index('users_updated').on(t.updatedAt).where(live),
    index('users_supervisor').on(t.supervisorId),
    index('users_territory').on(t.territoryId, t.status).where(live),
    index('users_role').on(t.roleId, t.status).where(live),
    index('users_user_type').on(t.userTypeId, t.status).where(live),
    index('users_admin_role').on(t.adminRole),
  ],
);

export const userAvatars = sqliteTable('user_avatars', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  mimeType: text('mime_type').notNull(),
  data: blob('data', { mode: 'buffer' }).notNull(),
});

/** A user's membership of a many-valued reference list (groups, teams, companies, …). */
function membership<TName extends string>(tableName: TName, list: ReturnType<typeof referenceList>) {
  return sqliteTable(
    tableName,
    {
      userId: integer('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      refId: integer('ref_id')
        .notNull()
        .references(() => list.id, { onDelete: 'cascade' }),
    },
    (t) => [primaryKey({ columns: [t.userId, t.refId] }), index(`${tableName}_ref`).on(t.refId, t.userId)],
  );
}

export const userGroups = membership('user_groups', groups);
export const userTeams = membership('user_teams', teams);
export const userCompanies = membership('user_companies', companies);
export const userDatabases = membership('user_databases', databases);
export const userAddons = membership('user_addons', addons);

/**
 * A scoped administrator's scope: the groups, territories, companies and user types whose users
 * they administer. The reference is by kind, so merging or removing an item updates these rows
 * in the same transaction (see reference/). No rows at all means no users.
 */
export const adminScopes = sqliteTable(
  'admin_scopes',
  {
    adminId: integer('admin_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: SCOPE_KINDS }).notNull(),
    refId: integer('ref_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.adminId, t.kind, t.refId] }), index('admin_scopes_ref').on(t.kind, t.refId)],
);

/** Server-side sessions: revocable, and findable by user so they can all be ended at once. */
export const sessions = sqliteTable(
  'sessions',
  {
    sid: text('sid').primaryKey(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    data: text('data').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)],
);

/**
 * Failed sign-ins counted per account, page (console or portal) and client address, one row per
 * window: `at` is when the window opened, `failures` how many failed in it. Sign-in from an
 * address is paused when its count reaches the limit, and for the whole account on that page
 * when the sum over all addresses does (see auth/signin-throttle.ts).
 */
export const signinFailures = sqliteTable(
  'signin_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    audience: text('audience', { enum: ['admin', 'account'] })
      .notNull()
      .default('admin'),
    address: text('address').notNull().default(''),
    failures: integer('failures').notNull().default(1),
  },
  (t) => [
    index('signin_failures_user_at').on(t.userId, t.at),
    uniqueIndex('signin_failures_window').on(t.userId, t.audience, t.address),
  ],
);

/** Per-administrator choices: the users list's columns and density, and the time zone for dates. */
export const adminPreferences = sqliteTable('admin_preferences', {
  userId: integer('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  listColumns: text('list_columns', { mode: 'json' }).$type<string[]>(),
  /** An IANA time zone (Europe/Oslo) for dates on every page; null: the browser's, once known. */
  timeZone: text('time_zone'),
  /** How tightly the users list is set. */
  density: text('density', { enum: ['comfortable', 'compact'] })
    .notNull()
    .default('comfortable'),
});

/**
 * Every administrative change and every administrator sign-in, written in the same transaction
 * as the change itself. Nothing in Roster updates or deletes these rows.
 */
export const auditEntries = sqliteTable(
  'audit_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** Who acted; null for the system (the daily purge) or an unknown name at sign-in. */
    actorId: integer('actor_id'),
    /** The actor's name as it was, so the entry still reads right after renames or deletion. */
    actorName: text('actor_name').notNull().default(''),
    action: text('action').notNull(),
    targetUserId: integer('target_user_id'),
    targetName: text('target_name').notNull().default(''),
    /** Field-level changes: { field: [before, after] }. */
    changes: text('changes', { mode: 'json' }).$type<Record<string, [unknown, unknown]>>(),
    detail: text('detail').notNull().default(''),
    requestId: text('request_id').notNull().default(''),
  },
  (t) => [
    index('audit_at').on(t.at),
    index('audit_actor').on(t.actorId, t.at),
    index('audit_target').on(t.targetUserId, t.at),
    index('audit_action').on(t.action, t.at),
  ],
);

/**
 * One-time links with which a user sets their own password. Only the SHA-256 of the token is
 * kept, so the table alone opens no account; a row is spent when used_at is set.
 */
export const passwordTokens = sqliteTable(
  'password_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('password_tokens_hash').on(t.tokenHash), index('password_tokens_user').on(t.userId)],
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;

/** A user's own text: plain strings alike in the form, in what it writes and in the search document. */
export type UserText = Pick<
  User,
  'username' | 'firstName' | 'lastName' | 'fullName' | 'signature' | 'email' | 'phone' | 'extension' | 'notes'
>;

export const SMTP_SECURITY = ['none', 'starttls', 'tls'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

/**
 * How Roster sends mail (M1): one row, kept by superusers. The password is sealed with a key
 * derived from the session secret (see sealed.ts) and is never shown back.
 */
export const mailSettings = sqliteTable('mail_settings', {
  /** Always 1: there is one set of settings. */
  id: integer('id').primaryKey(),
  host: text('host').notNull(),
  port: integer('port').notNull(),
  security: text('security', { enum: SMTP_SECURITY }).notNull(),
  username: text('username').notNull().default(''),
  passwordSealed: blob('password_sealed', { mode: 'buffer' }),
  fromAddress: text('from_address').notNull(),
  /** Roster's public address, e.g. https://roster.example.com, for links in mail. */
  externalUrl: text('external_url').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
});

export const MAIL_STATUSES = ['queued', 'sent', 'failed'] as const;

/**
 * Outgoing mail, written in the same transaction as the change that causes it, so a change is
 * never committed without its mail nor a mail queued for a change that was rolled back. A sender
 * claims due rows (claim_id, lease_until) and delivers them; see mail/sender.ts.
 */
export const mailQueue = sqliteTable(
  'mail_queue',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    /** The text body; a secret part (a set-password link) stands here as a placeholder. */
    body: text('body').notNull(),
    /** The secret parts, sealed, until the mail is sent or given up; then erased. */
    secretSealed: blob('secret_sealed', { mode: 'buffer' }),
    status: text('status', { enum: MAIL_STATUSES }).notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    claimId: text('claim_id'),
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('mail_queue_due')
      .on(t.nextAttemptAt)
      .where(sql`status = 'queued'`),
    index('mail_queue_created').on(t.createdAt),
  ],
);
