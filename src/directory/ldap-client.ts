import {
  Client,
  InvalidCredentialsError,
  InvalidDNSyntaxError,
  NoSuchObjectError,
  ResultCodeError,
  SizeLimitExceededError,
  TLSNotSupportedError,
  UnavailableError,
  BusyError,
  InsufficientAccessError,
  ConfidentialityRequiredError,
  StrongAuthRequiredError,
} from 'ldapts';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { DIRECTORY_FIELDS } from './attribute-map.js';
import type { DirectoryConnection } from './directory-settings.js';

/**
 * An entry as the rest of Roster sees it: its DN and each attribute's values as text, under the
 * attribute's name in lower case (LDAP names ignore case). A binary objectGUID arrives already
 * turned into its canonical GUID text.
 */
export interface DirectoryEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

/** A failure in words a person can act on; nothing has been written when one is thrown. */
export class DirectoryError extends Error {}

/** Active Directory returns at most 1,000 entries a page; asking for more only makes it refuse. */
export const PAGE_SIZE = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;
const OPERATION_TIMEOUT_MS = 120_000;
/** Binary attributes that have a canonical text form. */
const GUID_ATTRIBUTES = ['objectGUID'];

/**
 * objectGUID's 16 bytes as Active Directory writes the GUID: the first three groups are stored
 * little-endian, the last two as they are.
 */
export function guidText(bytes: Buffer): string {
  if (bytes.length !== 16) return bytes.toString('hex');
  const hex = (indexes: number[]) => indexes.map((i) => bytes[i]!.toString(16).padStart(2, '0')).join('');
  return [hex([3, 2, 1, 0]), hex([5, 4]), hex([7, 6]), hex([8, 9]), hex([10, 11, 12, 13, 14, 15])].join('-');
}

function plainEntry(raw: Record<string, unknown>): DirectoryEntry {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'dn') continue;
    const key = name.toLowerCase();
    const values = (Array.isArray(value) ? value : [value]) as (string | Buffer)[];
    attributes[key] = values.map((v) =>
      Buffer.isBuffer(v)
        ? GUID_ATTRIBUTES.some((g) => g.toLowerCase() === key)
          ? guidText(v)
          : v.toString('utf8')
        : v,
    );
  }
  return { dn: String(raw.dn), attributes };
}

function tlsOptions(settings: Pick<DirectoryConnection, 'url' | 'caCertificate'>): ConnectionOptions {
  const host = new URL(settings.url).hostname.replace(/^\[|\]$/g, '');
  // The certificate is checked against `host` (an upgraded StartTLS socket knows no host of its
  // own); the name is also sent as SNI, which TLS allows for host names only.
  const options: ConnectionOptions = { host };
  if (!isIP(host)) options.servername = host;
  if (settings.caCertificate) options.ca = [settings.caCertificate];
  return options;
}

/** The attributes a search asks for: the mapped ones, and nothing the mapping does not use. */
function wantedAttributes(settings: DirectoryConnection): string[] {
  const names = DIRECTORY_FIELDS.map((field) => settings.attributeMap[field]).filter((name) => name !== '');
  // AD leaves mail empty for many accounts: their userPrincipalName stands in (entries-to-rows.ts).
  if (settings.attributeMap.email.toLowerCase() === 'mail') names.push('userPrincipalName');
  return [...new Set(names)];
}

/** Entries to find by their DN after the search, on the same connection, for their directory id. */
export interface LookUp {
  /** Asked once the search is done: the DNs to look up (managers the filter left out). */
  dns: () => string[];
  /** Each DN that names an entry with a directory id. */
  found: (dn: string, directoryId: string) => void;
}

/**
 * Connects, binds and searches the user entries, a page at a time, handing each page to
 * `onPage` (which may stop the search by returning false), then looks up the entries `lookUp`
 * names one by one. Every failure is a DirectoryError in words.
 */
export async function searchUsers(
  settings: DirectoryConnection,
  onPage: (entries: DirectoryEntry[]) => boolean | void,
  lookUp?: LookUp,
): Promise<void> {
  const where = serverName(settings.url);
  const client = new Client({
    url: settings.url,
    connectTimeout: CONNECT_TIMEOUT_MS,
    timeout: OPERATION_TIMEOUT_MS,
    // Only for ldaps://: ldapts takes any TLS option as a wish for TLS from the start, which an
    // ldap:// port (StartTLS or none) would answer by closing the connection.
    ...(settings.url.toLowerCase().startsWith('ldaps:') ? { tlsOptions: tlsOptions(settings) } : {}),
    strictDN: false,
  });
  let step: Step = 'connect';
  try {
    if (settings.startTls) {
      step = 'starttls';
      await client.startTLS(tlsOptions(settings));
    }
    step = 'bind';
    if (settings.bindDn) await client.bind(settings.bindDn, settings.bindPassword);
    step = 'search';
    const pages = client.searchPaginated(settings.baseDn, {
      scope: 'sub',
      filter: settings.userFilter,
      attributes: wantedAttributes(settings),
      explicitBufferAttributes: GUID_ATTRIBUTES,
      paged: { pageSize: PAGE_SIZE },
    });
    for await (const page of pages) {
      if (onPage(page.searchEntries.map((e) => plainEntry(e as Record<string, unknown>))) === false) break;
    }
    if (lookUp) await lookUpIds(client, settings.attributeMap.directoryId, lookUp);
  } catch (err) {
    throw new DirectoryError(describe(err, step, where, settings));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** Each DN's directory id, by a base search; a DN that names nothing (or nothing readable) is passed over. */
async function lookUpIds(client: Client, idAttribute: string, lookUp: LookUp): Promise<void> {
  if (idAttribute === '') return;
  for (const dn of lookUp.dns()) {
    try {
      const { searchEntries } = await client.search(dn, {
        scope: 'base',
        attributes: [idAttribute],
        explicitBufferAttributes: GUID_ATTRIBUTES,
      });
      const entry = searchEntries[0] && plainEntry(searchEntries[0] as Record<string, unknown>);
      const id = entry?.attributes[idAttribute.toLowerCase()]?.[0];
      if (id) lookUp.found(dn, id);
    } catch (err) {
      if (!(err instanceof ResultCodeError)) throw err;
    }
  }
}

type Step = 'connect' | 'starttls' | 'bind' | 'search';

function serverName(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'ldaps:' ? 636 : 389)}`;
}

const NETWORK: Record<string, string> = {
  ECONNREFUSED: 'nothing answers on that port',
  ENOTFOUND: 'no server has that name',
  EAI_AGAIN: 'the name could not be looked up',
  ETIMEDOUT: 'it did not answer in time',
  EHOSTUNREACH: 'the network cannot reach it',
  ENETUNREACH: 'the network cannot reach it',
  ECONNRESET: 'it closed the connection',
};

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What went wrong, in words, with what to check. */
export function describe(
  err: unknown,
  step: Step,
  where: string,
  settings: Pick<DirectoryConnection, 'baseDn' | 'bindDn'>,
): string {
  const error = err as NodeJS.ErrnoException & { code?: string | number };
  const code = typeof error?.code === 'string' ? error.code : undefined;
  if (code && TLS_CODES.has(code))
    return `The certificate of ${where} is not trusted (${error.message}). Paste the certificate of the authority that issued it under "CA certificate", and use the name the certificate is made out to.`;
  if (code && NETWORK[code])
    return `Roster could not reach the directory server at ${where}: ${NETWORK[code]}. Check the address and port, and that a firewall lets Roster through.`;
  if (/timeout/i.test(error?.message ?? '') && step === 'connect')
    return `Roster could not reach the directory server at ${where}: it did not answer within ${CONNECT_TIMEOUT_MS / 1000} seconds.`;
  if (err instanceof InvalidCredentialsError)
    return `The directory refused the bind DN and password. Check that ${settings.bindDn || 'the bind DN'} is right and enter its password again.`;
  if (err instanceof TLSNotSupportedError || (step === 'starttls' && err instanceof ResultCodeError))
    return `${where} does not offer StartTLS. Use an ldaps:// address instead, or untick StartTLS.`;
  if (err instanceof ConfidentialityRequiredError || err instanceof StrongAuthRequiredError)
    return `${where} accepts this bind only over an encrypted connection: use ldaps:// or tick StartTLS.`;
  if (err instanceof NoSuchObjectError)
    return `The base DN "${settings.baseDn}" does not exist in the directory. Check its spelling, such as OU=Staff,DC=example,DC=com.`;
  if (err instanceof InvalidDNSyntaxError)
    return step === 'bind'
      ? `The bind DN "${settings.bindDn}" is not a valid distinguished name.`
      : `The base DN "${settings.baseDn}" is not a valid distinguished name.`;
  if (err instanceof InsufficientAccessError)
    return "The bind DN may not read these entries: ask the directory's administrator to grant it read access.";
  if (err instanceof SizeLimitExceededError)
    return 'The directory stopped the search at its size limit even though Roster asks a page at a time. Ask its administrator to allow paged searches for the bind DN.';
  if (err instanceof UnavailableError || err instanceof BusyError)
    return `${where} is unavailable or busy just now. Try again in a few minutes.`;
  if (step === 'search' && err instanceof ResultCodeError)
    return `The directory did not accept the search (${error.message || 'code ' + String(error.code)}). Check the user filter and the attribute names.`;
  if (step === 'search' && !(err instanceof ResultCodeError) && /filter|paren/i.test(error?.message ?? ''))
    return 'The user filter is not valid LDAP: write each condition in parentheses, such as (&(objectClass=user)(department=Sales)).';
  const reason = error?.message || String(err);
  return step === 'connect' || step === 'starttls'
    ? `Roster could not open a connection to ${where}: ${reason}.`
    : `The directory answered with an error: ${reason}.`;
}
