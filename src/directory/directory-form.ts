import { type AttributeMap, DIRECTORY_FIELDS, REQUIRED_FIELDS, FIELD_WORDS } from './attribute-map.js';
import type { DirectorySettings, DirectorySettingsInput } from './directory-settings.js';
import { passwordChangeOf, willHavePassword } from '../stored-password.js';
import { filterProblem } from './ldap-filter.js';

/** The form as typed, strings throughout, so a refused form comes back as it was sent (but the password). */
export interface DirectoryForm {
  url: string;
  startTls: boolean;
  caCertificate: string;
  bindDn: string;
  password: string;
  clearPassword: boolean;
  baseDn: string;
  userFilter: string;
  attributeMap: AttributeMap;
  syncEnabled: boolean;
  syncIntervalMinutes: string;
  syncDeactivateMissing: boolean;
  syncMaxChangePercent: string;
}

/** Errors by field name; a mapping's field is named `attr-<field>`. */
export type DirectoryFormErrors = Record<string, string>;

type Body = Record<string, unknown> | undefined;

export function readDirectoryForm(body: Body): DirectoryForm {
  const text = (name: string, max: number) => {
    const value = body?.[name];
    return typeof value === 'string' ? value.trim().slice(0, max) : '';
  };
  const ticked = (name: string) => body?.[name] === '1';
  const password = body?.password;
  const attributeMap = {} as AttributeMap;
  for (const field of DIRECTORY_FIELDS) attributeMap[field] = text(`attr-${field}`, 100);
  return {
    url: text('url', 500),
    startTls: ticked('startTls'),
    caCertificate: text('caCertificate', 20_000),
    bindDn: text('bindDn', 1000),
    // Passwords keep their spaces: they may begin or end with one.
    password: typeof password === 'string' ? password.slice(0, 1000) : '',
    clearPassword: ticked('clearPassword'),
    baseDn: text('baseDn', 1000),
    userFilter: text('userFilter', 2000),
    attributeMap,
    syncEnabled: ticked('syncEnabled'),
    syncIntervalMinutes: text('syncIntervalMinutes', 10),
    syncDeactivateMissing: ticked('syncDeactivateMissing'),
    syncMaxChangePercent: text('syncMaxChangePercent', 10),
  };
}

export function directoryFormOf(settings: DirectorySettings): DirectoryForm {
  return {
    ...settings,
    password: '',
    clearPassword: false,
    syncIntervalMinutes: String(settings.syncIntervalMinutes),
    syncMaxChangePercent: String(settings.syncMaxChangePercent),
  };
}

/** A URL to an LDAP server: ldap:// or ldaps://, a host, perhaps a port, and nothing else. */
export function ldapUrlProblem(text: string): string | undefined {
  if (text === '') return 'Enter the address of the directory server, such as ldaps://dc1.example.com.';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'Enter an address such as ldaps://dc1.example.com or ldap://dc1.example.com:389.';
  }
  if (url.protocol !== 'ldap:' && url.protocol !== 'ldaps:') return 'The address must start with ldap:// or ldaps://.';
  if (!url.hostname) return "Enter the server's host name after ldap:// or ldaps://.";
  if (url.username || url.password || (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash)
    return 'Enter only the server and port, such as ldaps://dc1.example.com:636: no user, path or query.';
  return undefined;
}

/** Loose: a DN is attribute=value pairs separated by commas; the server judges the rest. */
const DN = /^[A-Za-z][\w-]*=.+/;
const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*$/;
const PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

function whole(text: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** Checks every field at once, so a person learns about all problems in one round. */
export function validateDirectoryForm(
  form: DirectoryForm,
  stored: DirectorySettings | undefined,
): { errors: DirectoryFormErrors } | { settings: DirectorySettingsInput } {
  const errors: DirectoryFormErrors = {};
  const urlProblem = ldapUrlProblem(form.url);
  if (urlProblem) errors.url = urlProblem;
  else if (form.startTls && form.url.toLowerCase().startsWith('ldaps:'))
    errors.startTls = 'An ldaps:// address is encrypted from the start: untick StartTLS, or use ldap://.';
  if (form.caCertificate !== '' && !PEM.test(form.caCertificate))
    errors.caCertificate =
      'Paste the certificate in PEM form, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.';

  if (form.bindDn !== '' && !DN.test(form.bindDn))
    errors.bindDn = 'Enter a distinguished name such as CN=Roster,OU=Service,DC=example,DC=com.';
  const { change: password, error: passwordError } = passwordChangeOf(form);
  if (passwordError) errors.password = passwordError;
  if (
    !errors.password &&
    !errors.bindDn &&
    form.bindDn !== '' &&
    !willHavePassword(password, stored?.hasPassword ?? false)
  )
    errors.password = 'Enter the password that goes with this bind DN.';
  if (!errors.password && form.bindDn === '' && 'set' in password)
    errors.bindDn = 'Enter the bind DN this password belongs to.';

  if (form.baseDn === '') errors.baseDn = 'Enter where users are searched, such as DC=example,DC=com.';
  else if (!DN.test(form.baseDn)) errors.baseDn = 'Enter a distinguished name such as OU=Staff,DC=example,DC=com.';
  const filterError =
    form.userFilter === '' ? 'Enter a filter, such as ' + '(objectClass=person).' : filterProblem(form.userFilter);
  if (filterError) errors.userFilter = filterError;

  for (const field of DIRECTORY_FIELDS) {
    const name = form.attributeMap[field];
    if (name === '' && REQUIRED_FIELDS.includes(field))
      errors[`attr-${field}`] = `Enter the attribute that holds the ${FIELD_WORDS[field].toLowerCase()}.`;
    else if (name !== '' && !ATTRIBUTE.test(name))
      errors[`attr-${field}`] = 'Enter one attribute name, letters, digits and hyphens, such as sAMAccountName.';
  }

  const syncIntervalMinutes = whole(form.syncIntervalMinutes, 5, 10_080);
  if (syncIntervalMinutes === undefined)
    errors.syncIntervalMinutes = 'Enter a number of minutes from 5 to 10080 (a week).';
  const syncMaxChangePercent = whole(form.syncMaxChangePercent, 1, 100);
  if (syncMaxChangePercent === undefined) errors.syncMaxChangePercent = 'Enter a share from 1 to 100 per cent.';

  if (Object.keys(errors).length > 0 || syncIntervalMinutes === undefined || syncMaxChangePercent === undefined)
    return { errors };
  const { clearPassword: _c, password: _p, ...rest } = form;
  return { settings: { ...rest, syncIntervalMinutes, syncMaxChangePercent, password } };
}
