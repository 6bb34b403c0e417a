import { normalize } from '../text.js';

/**
 * The columns an import file may have: the header the template writes, and the other names
 * people give the same column. Headers are compared folded (case, accents, spaces, _ and -
 * ignored), so "Last Name", "last_name" and "LASTNAME" are one column.
 */
export const IMPORT_COLUMNS = {
  username: { header: 'Username', aliases: ['user name', 'login', 'user id', 'account'] },
  firstName: { header: 'First Name', aliases: ['firstname', 'given name', 'forename', 'first'] },
  lastName: { header: 'Last Name', aliases: ['lastname', 'surname', 'family name', 'last'] },
  fullName: { header: 'Full Name', aliases: ['name', 'display name'] },
  signature: { header: 'Signature', aliases: ['initials'] },
  email: { header: 'Email', aliases: ['e-mail', 'email address', 'mail'] },
  phone: { header: 'Phone', aliases: ['personal contact', 'mobile', 'telephone', 'phone number'] },
  extension: { header: 'Extension', aliases: ['ext'] },
  userType: { header: 'User Type', aliases: ['type', 'usertype'] },
  role: { header: 'Role', aliases: ['profile'] },
  territory: { header: 'Territory', aliases: ['region'] },
  groups: { header: 'Groups', aliases: ['group'] },
  teams: { header: 'Teams', aliases: ['team'] },
  companies: { header: 'Companies', aliases: ['company'] },
  addons: { header: 'Add-ons', aliases: ['addons', 'add-on', 'addon'] },
  databases: { header: 'Databases', aliases: ['database'] },
  supervisor: { header: 'Supervisor', aliases: ['manager', 'supervisor username', 'reports to'] },
  licenceType: { header: 'Licence', aliases: ['license', 'licence type', 'license type'] },
  status: { header: 'Status', aliases: ['active'] },
  notes: { header: 'Notes', aliases: ['note', 'comment', 'comments'] },
} as const;

export type ImportField = keyof typeof IMPORT_COLUMNS;
export const IMPORT_FIELDS = Object.keys(IMPORT_COLUMNS) as ImportField[];
export const REQUIRED_FIELDS: ImportField[] = ['lastName', 'firstName', 'userType'];

/** Header text as compared: "Last_Name " and "last-name" both become "lastname". */
const fold = (header: string) => normalize(header).replace(/[\s_-]+/g, '');

const BY_HEADER = new Map<string, ImportField>(
  IMPORT_FIELDS.flatMap((field) => {
    const { header, aliases } = IMPORT_COLUMNS[field];
    return [header, ...aliases].map((name) => [fold(name), field] as const);
  }),
);

export interface HeaderMatch {
  /** Which field each column of the file holds; undefined for a column Roster does not know. */
  fields: (ImportField | undefined)[];
  /** Columns that are left out, by their header. */
  ignored: string[];
  problem?: string;
}

/** Matches a file's header row to the import fields, and says what is missing or doubled. */
export function matchHeaders(headers: string[]): HeaderMatch {
  const fields = headers.map((h) => BY_HEADER.get(fold(h)));
  const ignored = headers.filter((h, i) => fields[i] === undefined && h.trim() !== '');
  const missing = REQUIRED_FIELDS.filter((f) => !fields.includes(f)).map((f) => IMPORT_COLUMNS[f].header);
  if (missing.length > 0) {
    const found = headers.filter((h) => h.trim() !== '').join(', ') || 'none';
    return {
      fields,
      ignored,
      problem: `The file has no ${missing.join(', no ')} column. The first line must name the columns, with at least Last Name, First Name and User Type (found: ${found}).`,
    };
  }
  const doubled = fields.find((f, i) => f !== undefined && fields.indexOf(f) !== i);
  if (doubled) {
    const names = headers.filter((_, i) => fields[i] === doubled).join('” and “');
    return { fields, ignored, problem: `The columns “${names}” are both ${IMPORT_COLUMNS[doubled].header}. Keep one.` };
  }
  return { fields, ignored };
}

/** The template's one line: every column the import reads, in the order the form shows them. */
export function templateHeaders(): string[] {
  return IMPORT_FIELDS.map((f) => IMPORT_COLUMNS[f].header);
}
