import { normalize } from '../text.js';

/**
 * The Roster fields an import column may fill: the header Roster's template writes, and the
 * other names the same column has in the files people bring — Roster's own export, Microsoft
 * Entra's bulk-create template and user export, Google Workspace's export and upload template,
 * and Active Directory's csvde and Get-ADUser exports. Names are compared folded (case, accents,
 * spaces and punctuation ignored), so "Last Name", "last_name" and "LASTNAME" are one column.
 * Earlier names win when two columns of one file name the same field: a file with both
 * sAMAccountName and userPrincipalName takes the first as the username.
 */
export const IMPORT_COLUMNS = {
  username: {
    header: 'Username',
    aliases: ['user name', 'login', 'user id', 'samaccountname', 'account', 'userprincipalname'],
  },
  firstName: { header: 'First Name', aliases: ['firstname', 'given name', 'givenname', 'forename', 'first'] },
  lastName: { header: 'Last Name', aliases: ['lastname', 'surname', 'sn', 'family name', 'last'] },
  fullName: { header: 'Full Name', aliases: ['display name', 'displayname'] },
  signature: { header: 'Signature', aliases: ['initials'] },
  email: {
    header: 'Email',
    aliases: ['e-mail', 'email address', 'mail', 'emailaddress', 'primary email'],
  },
  phone: {
    header: 'Phone',
    aliases: [
      'personal contact',
      'telephonenumber',
      'officephone',
      'office phone',
      'work phone',
      'phone number',
      'telephone',
      'mobile',
      'mobile phone',
      'mobilephone',
    ],
  },
  extension: { header: 'Extension', aliases: ['ext'] },
  userType: { header: 'User Type', aliases: ['type', 'usertype', 'employee type'] },
  role: { header: 'Role', aliases: ['profile'] },
  territory: { header: 'Territory', aliases: ['region'] },
  groups: { header: 'Groups', aliases: ['group', 'department'] },
  teams: { header: 'Teams', aliases: ['team'] },
  companies: { header: 'Companies', aliases: ['company', 'companyname'] },
  addons: { header: 'Add-ons', aliases: ['addons', 'add-on', 'addon'] },
  databases: { header: 'Databases', aliases: ['database'] },
  supervisor: {
    header: 'Supervisor',
    aliases: ['manager', 'supervisor username', 'reports to', 'manager email', 'manager email address'],
  },
  licenceType: { header: 'Licence', aliases: ['license', 'licence type', 'license type'] },
  status: { header: 'Status', aliases: ['active'] },
  enabled: { header: 'Enabled', aliases: ['accountenabled', 'account enabled'] },
  signInBlocked: { header: 'Block sign in', aliases: ['block sign in (yes/no)', 'blocksignin'] },
  accountControl: { header: 'Account control (userAccountControl)', aliases: ['useraccountcontrol'] },
  distinguishedName: { header: 'Directory entry (DN)', aliases: ['dn', 'distinguishedname', 'distinguished name'] },
  notes: { header: 'Notes', aliases: ['note', 'comment', 'comments', 'description'] },
} as const;

export type ImportField = keyof typeof IMPORT_COLUMNS;
export const IMPORT_FIELDS = Object.keys(IMPORT_COLUMNS) as ImportField[];
/** A new user needs these; a file without a user type column gets the default chosen with the mapping. */
export const REQUIRED_FIELDS: ImportField[] = ['lastName', 'firstName', 'userType'];

/**
 * Fields that say something Roster keeps in another field: whether the account is enabled (in
 * three directory dialects), and the directory entry a manager reference may name. The template
 * leaves them out; the mapping offers them.
 */
const SOURCE_ONLY: ImportField[] = ['enabled', 'signInBlocked', 'accountControl', 'distinguishedName'];

/**
 * A header as compared: folded, without the markers the templates add ("[Required]", "Required",
 * "[READ ONLY]", "[UPLOAD ONLY]"). "Last_Name " and "last-name" both become "lastname".
 */
const fold = (header: string) =>
  normalize(header)
    .replace(/\[(required|read only|upload only)\]/g, '')
    .replace(/\brequired$/, '')
    .replace(/[^\p{L}\p{N}]+/gu, '');

/** Each folded name, with its field and how strongly it names it (lower wins). */
const BY_HEADER = new Map<string, { field: ImportField; rank: number }>();
for (const field of IMPORT_FIELDS) {
  const { header, aliases } = IMPORT_COLUMNS[field];
  [header, ...aliases].forEach((name, rank) => {
    if (!BY_HEADER.has(fold(name))) BY_HEADER.set(fold(name), { field, rank });
  });
}

/**
 * The field one header names. Entra writes the attribute in brackets after the words
 * ("First name [givenName] Required"): the words are tried first, since they sometimes say
 * more than the attribute ("Block sign in (Yes/No) [accountEnabled]" means the opposite of it).
 */
function known(header: string) {
  const words = header.replace(/\[[^\]]*\]/g, ' ');
  const bracketed = /\[([^\]]+)\]/.exec(header)?.[1];
  return BY_HEADER.get(fold(words)) ?? (bracketed ? BY_HEADER.get(fold(bracketed)) : undefined);
}

/** A mapping: for each column of the file, the field it fills, or '' for a column left out. */
export type ColumnMapping = (ImportField | '')[];

/**
 * The fields a file's headers are recognised as. When two columns name one field, the one
 * that names it more strongly keeps it and the other is left out, so a recognised file never
 * starts with a doubled field.
 */
export function recogniseHeaders(headers: string[]): ColumnMapping {
  const found = headers.map(known);
  return found.map((match, i) => {
    if (!match) return '';
    const stronger = found.some(
      (other, j) =>
        j !== i && other?.field === match.field && (other.rank < match.rank || (other.rank === match.rank && j < i)),
    );
    return stronger ? '' : match.field;
  });
}

/** The file's headers as one key: files with the same columns share a remembered mapping. */
export const headersKey = (headers: string[]) => headers.map(fold).join('|');

/** The fields a mapping may choose, as the mapping page lists them. */
export const MAPPABLE_FIELDS = IMPORT_FIELDS.map((field) => ({ field, label: IMPORT_COLUMNS[field].header }));

export const isImportField = (value: string): value is ImportField => (IMPORT_FIELDS as string[]).includes(value);

/** The template's one line: every column the import reads, in the order the form shows them. */
export function templateHeaders(): string[] {
  return IMPORT_FIELDS.filter((f) => !SOURCE_ONLY.includes(f)).map((f) => IMPORT_COLUMNS[f].header);
}

/** The template's columns, as the upload page lists them. */
export const templateFields = () => IMPORT_FIELDS.filter((f) => !SOURCE_ONLY.includes(f));
