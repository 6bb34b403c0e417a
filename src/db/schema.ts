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
/** How an account proves the second step at sign-in: a code mailed to them, or an authenticator app. */
export const TWO_STEP_METHODS = ['email', 'totp'] as const;
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
    /** The second step the account has enrolled; null while it has none. */
    twoStepMethod: text('two_step_method', { enum: TWO_STEP_METHODS }),
    /** The authenticator app's shared secret, sealed (see sealed.ts) like the SMTP password. */
    totpSecretSealed: blob('totp_secret_sealed', { mode: 'buffer' }),
    /** The directory entry this user came from (objectGUID or entryUUID), so renames there find them. */
    directoryId: text('directory_id'),
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
    index('users_teams_sort').on(t.teamsSort).where(live),
    index('users_addons_sort').on(t.addonsSort).where(live),
    index('users_databases_sort').on(t.databasesSort).where(live),
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
    uniqueIndex('users_directory_id')
      .on(t.directoryId)
      .where(sql`directory_id is not null`),
    // Rare states get a small index of their own, so counting or listing them reads a few entries,
    // not a million rows. Locked carries what "can sign in" also asks, so the Overview counts
    // from the index alone at read time (a lock runs out with the clock, so no counter can keep it).
    index('users_blocked')
      .on(t.status)
      .where(sql`blocked = 1 and deleted_at is null`),
    index('users_must_change_password')
      .on(t.status)
      .where(sql`must_change_password = 1 and deleted_at is null`),
    index('users_locked')
      .on(t.lockedUntil, t.status, t.blocked)
      .where(sql`locked_until is not null and deleted_at is null`),
  ],
);

/**
 * The large counts of users not in the trash, for the whole organisation, in one row kept by
 * triggers on users (see migration 0014_overview_counts): every write that changes one of them
 * changes the row in its own transaction, so the counts are exact after it and read for nothing.
 * A lock runs out with the clock, so it is not kept here (see users_locked).
 */
export const userCounts = sqliteTable('user_counts', {
  id: integer('id').primaryKey(),
  total: integer('total').notNull().default(0),
  /** Active and not blocked (a lock aside: that is counted at read time). */
  active: integer('active').notNull().default(0),
  inactive: integer('inactive').notNull().default(0),
  blocked: integer('blocked').notNull().default(0),
  mustChangePassword: integer('must_change_password').notNull().default(0),
  neverSignedIn: integer('never_signed_in').notNull().default(0),
  full: integer('full').notNull().default(0),
  viewer: integer('viewer').notNull().default(0),
  /** Full and viewer licences of users active and not blocked: the seats they take when the others release theirs. */
  fullHeld: integer('full_held').notNull().default(0),
  viewerHeld: integer('viewer_held').notNull().default(0),
});

/**
 * Per add-on, its holders not in the trash, and those of them active and not blocked; kept by
 * triggers on user_addons and users like user_counts, so an add-on's seats count in one lookup.
 */
export const addonCounts = sqliteTable('addon_counts', {
  addonId: integer('addon_id').primaryKey(),
  holders: integer('holders').notNull().default(0),
  held: integer('held').notNull().default(0),
});

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
    audience: text('audience', { enum: ['admin', 'account', 'two-step'] })
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
    /** A reset link, or the invitation a welcome mail carries (which lives longer). */
    purpose: text('purpose', { enum: ['reset', 'invitation'] })
      .notNull()
      .default('reset'),
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
    /** The HTML part, with the same placeholders; null for a text-only mail. */
    html: text('html'),
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

/**
 * Console-wide choices that are not mail or directory settings (requiring two-step for
 * administrators, invitation lifetime, whether inactive users keep their licence, …): one row a
 * key, the value as JSON. Each key is read through a typed accessor, never by its string alone.
 */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
});

/**
 * Emailed sign-in codes for the second step: only the SHA-256 is kept; a code is spent when
 * used_at is set, and dies at expires_at.
 */
export const twoStepCodes = sqliteTable(
  'two_step_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('two_step_codes_user').on(t.userId, t.createdAt)],
);

/** Single-use recovery codes for an account's second step, stored hashed. */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('recovery_codes_user').on(t.userId)],
);

/** How many full and viewer licences the organisation holds; no row means unlimited. */
export const licenceSeats = sqliteTable('licence_seats', {
  licenceType: text('licence_type', { enum: ['full', 'viewer'] }).primaryKey(),
  seats: integer('seats').notNull(),
});

/** How many of each add-on licence the organisation holds; no row means unlimited. */
export const addonSeats = sqliteTable('addon_seats', {
  addonId: integer('addon_id')
    .primaryKey()
    .references(() => addons.id, { onDelete: 'cascade' }),
  seats: integer('seats').notNull(),
});

export const BROADCAST_STATUSES = ['scheduled', 'sending', 'sent', 'cancelled'] as const;

/**
 * A message to many users (M6): mailed to each through the outbox and shown as a banner in the
 * portal. The recipients are resolved when it is sent, from `audience` (a description of whom,
 * within the sender's scope), into broadcast_recipients. A sender claims a due broadcast with
 * claim_id and lease_until, so it goes out once even with several worker processes.
 */
export const broadcasts = sqliteTable(
  'broadcasts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    category: text('category').notNull(),
    audience: text('audience', { mode: 'json' }).notNull(),
    sendAt: integer('send_at', { mode: 'timestamp_ms' }).notNull(),
    status: text('status', { enum: BROADCAST_STATUSES }).notNull().default('scheduled'),
    claimId: text('claim_id'),
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    recipientCount: integer('recipient_count').notNull().default(0),
    createdBy: integer('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
    version: integer('version').notNull().default(1),
  },
  (t) => [
    index('broadcasts_due')
      .on(t.sendAt)
      .where(sql`status = 'scheduled'`),
    index('broadcasts_created').on(t.createdAt),
  ],
);

/** Who a broadcast reached, the mail it queued for them (none without an address), and when they dismissed its banner. */
export const broadcastRecipients = sqliteTable(
  'broadcast_recipients',
  {
    broadcastId: integer('broadcast_id')
      .notNull()
      .references(() => broadcasts.id, { onDelete: 'cascade' }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    mailId: integer('mail_id'),
    dismissedAt: integer('dismissed_at', { mode: 'timestamp_ms' }),
  },
  (t) => [primaryKey({ columns: [t.broadcastId, t.userId] }), index('broadcast_recipients_user').on(t.userId)],
);

/** The column mapping chosen for a CSV header line, kept so the next file with the same headers needs none. */
export const importMappings = sqliteTable('import_mappings', {
  /** The file's header names, normalised and joined, identifying "the same headers". */
  headersKey: text('headers_key').primaryKey(),
  mapping: text('mapping', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
});

/**
 * The LDAP directory Roster imports from and keeps in step with (F3): one row, kept by
 * superusers. The bind password is sealed like the SMTP password and never shown back.
 */
export const directorySettings = sqliteTable('directory_settings', {
  /** Always 1: there is one directory. */
  id: integer('id').primaryKey(),
  url: text('url').notNull(),
  startTls: integer('start_tls', { mode: 'boolean' }).notNull().default(false),
  caCertificate: text('ca_certificate').notNull().default(''),
  bindDn: text('bind_dn').notNull().default(''),
  bindPasswordSealed: blob('bind_password_sealed', { mode: 'buffer' }),
  baseDn: text('base_dn').notNull(),
  userFilter: text('user_filter').notNull(),
  /** Roster field → directory attribute. */
  attributeMap: text('attribute_map', { mode: 'json' }).notNull(),
  syncEnabled: integer('sync_enabled', { mode: 'boolean' }).notNull().default(false),
  syncIntervalMinutes: integer('sync_interval_minutes').notNull().default(60),
  syncDeactivateMissing: integer('sync_deactivate_missing', { mode: 'boolean' }).notNull().default(false),
  /** A run that would change more than this share of users (in per cent) waits for confirmation. */
  syncMaxChangePercent: integer('sync_max_change_percent').notNull().default(10),
  /** When the next scheduled run is due; a runner claims it with claim_id and lease_until. */
  syncNextAt: integer('sync_next_at', { mode: 'timestamp_ms' }),
  syncClaimId: text('sync_claim_id'),
  syncLeaseUntil: integer('sync_lease_until', { mode: 'timestamp_ms' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  updatedBy: integer('updated_by').references(() => users.id, { onDelete: 'set null' }),
});

/**
 * Counts per UTC day of things the Overview charts and nothing else keeps (sign-ins, by page),
 * incremented in the same transaction as the event, so a chart of 30 days reads 30 rows.
 */
export const dailyActivity = sqliteTable(
  'daily_activity',
  {
    /** YYYY-MM-DD, in UTC. */
    day: text('day').notNull(),
    kind: text('kind').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.kind] })],
);
