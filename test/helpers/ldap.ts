import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Attribute, Change, Client } from 'ldapts';
import { freePort } from './smtp.js';

/**
 * A real OpenLDAP server (Debian's slapd) on a loopback port, with a generated configuration,
 * an mdb database in a temporary directory and Active-Directory-shaped entries: a tiny schema
 * adds AD's sAMAccountName, userAccountControl, objectCategory, objectGUID, department, company
 * and userPrincipalName, and a `user` object class, so Roster's AD defaults (attribute map and
 * filter) are exercised as they are. Like AD, it answers at most 1,000 entries to a search
 * that is not paged. Stopped and removed when the test ends.
 */

interface Teardown {
  teardown(fn: () => unknown): void;
}

const SLAPD = process.env.SLAPD_PATH ?? '/usr/sbin/slapd';
const SLAPADD = process.env.SLAPADD_PATH ?? '/usr/sbin/slapadd';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

export const BASE_DN = 'dc=example,dc=org';
export const PEOPLE = `ou=People,${BASE_DN}`;
/** The read-only account Roster binds as, like a service account in AD. */
export const BIND_DN = `cn=roster,ou=Service,${BASE_DN}`;
export const BIND_PASSWORD = 'read-only pass phrase';

const AD_SCHEMA = `
attributetype ( 1.3.6.1.4.1.55555.1.1 NAME 'sAMAccountName' EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.2 NAME 'userAccountControl' EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.3 NAME 'objectCategory' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.4 NAME 'objectGUID' EQUALITY octetStringMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.5 NAME 'department' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.6 NAME 'company' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
attributetype ( 1.3.6.1.4.1.55555.1.7 NAME 'userPrincipalName' EQUALITY caseIgnoreMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.2.1 NAME 'user' SUP inetOrgPerson STRUCTURAL
  MAY ( sAMAccountName $ userAccountControl $ objectCategory $ objectGUID $ department $ company $ userPrincipalName ) )
`;

/** A person in the sample directory; cn names the entry (cn=…,ou=People,…). */
export interface SamplePerson {
  cn: string;
  sn: string;
  givenName?: string;
  sAMAccountName?: string;
  mail?: string;
  userPrincipalName?: string;
  displayName?: string;
  telephoneNumber?: string;
  department?: string;
  company?: string;
  /** The manager's cn, under ou=People (or a whole DN). */
  manager?: string;
  userAccountControl?: number;
  objectCategory?: string;
}

export const dnOf = (cn: string) => (cn.includes('=') ? cn : `cn=${cn},${PEOPLE}`);

/** Each person's objectGUID: sixteen bytes fixed by their cn, so tests know it in advance. */
export function guidBytesOf(cn: string): Buffer {
  return createHash('md5').update(cn).digest();
}

/** The sample: AD-shaped, with a disabled user, managers, non-ASCII names and awkward entries. */
export const SAMPLE: SamplePerson[] = [
  {
    cn: 'Björn Þórsson',
    givenName: 'Björn',
    sn: 'Þórsson',
    displayName: 'Björn Þórsson',
    sAMAccountName: 'bjorn',
    mail: 'bjorn@example.org',
    telephoneNumber: '+354 555 0100',
    department: 'Sales',
    company: 'Example Nordic',
    userAccountControl: 512,
  },
  {
    cn: 'Zoë Ångström',
    givenName: 'Zoë',
    sn: 'Ångström',
    displayName: 'Zoë Ångström',
    sAMAccountName: 'zoe',
    mail: 'zoe@example.org',
    department: 'Sales',
    manager: 'Björn Þórsson',
    // NORMAL_ACCOUNT | ACCOUNTDISABLE
    userAccountControl: 514,
  },
  {
    cn: 'José Núñez',
    givenName: 'José',
    sn: 'Núñez',
    sAMAccountName: 'jose',
    // No mail: AD's userPrincipalName stands in.
    userPrincipalName: 'jose@example.org',
    manager: 'Zoë Ångström',
    userAccountControl: 66048,
  },
  { cn: 'Nameless Entry', sn: 'Entry', givenName: 'Nameless', userAccountControl: 512 },
  {
    cn: 'Ghost Report',
    sn: 'Report',
    givenName: 'Ghost',
    sAMAccountName: 'ghost.report',
    manager: 'cn=Departed Manager,ou=Former,dc=example,dc=org',
    userAccountControl: 512,
  },
  // A computer: AD keeps computers as users too; the default filter leaves them out.
  { cn: 'WS-0042', sn: 'WS-0042', sAMAccountName: 'WS-0042$', objectCategory: 'computer', userAccountControl: 4096 },
];

export function generatedPeople(count: number): SamplePerson[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i + 1).padStart(5, '0');
    return {
      cn: `Generated ${n}`,
      givenName: 'Generated',
      sn: n,
      sAMAccountName: `gen${n}`,
      mail: `gen${n}@example.org`,
      userAccountControl: 512,
    };
  });
}

function line(name: string, value: string): string {
  // LDIF needs base64 for anything but plain ASCII.
  return /^[\x20-\x7e]*$/.test(value) && !/^[ :<]/.test(value)
    ? `${name}: ${value}`
    : `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

export function personLdif(p: SamplePerson): string {
  const lines = [line('dn', dnOf(p.cn)), 'objectClass: user', line('cn', p.cn), line('sn', p.sn)];
  lines.push(`objectCategory: ${p.objectCategory ?? 'person'}`);
  lines.push(`objectGUID:: ${guidBytesOf(p.cn).toString('base64')}`);
  for (const name of [
    'givenName',
    'sAMAccountName',
    'mail',
    'userPrincipalName',
    'displayName',
    'telephoneNumber',
    'department',
    'company',
  ] as const) {
    const value = p[name];
    if (value) lines.push(line(name, value));
  }
  if (p.manager) lines.push(line('manager', dnOf(p.manager)));
  if (p.userAccountControl !== undefined) lines.push(`userAccountControl: ${p.userAccountControl}`);
  return lines.join('\n');
}

function baseLdif(): string {
  return [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example`,
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: People`,
    `dn: ou=Service,${BASE_DN}\nobjectClass: organizationalUnit\nou: Service`,
    `dn: ${BIND_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: roster\nuserPassword: ${BIND_PASSWORD}`,
  ].join('\n\n');
}

export interface TestLdapServer {
  url: string;
  port: number;
  /** With `tls`: the same directory over ldaps://, and StartTLS on `url`. */
  ldapsUrl?: string;
  /** With `tls`: the PEM certificate of the authority that issued the server's certificate. */
  caCertificate?: string;
  stop(): Promise<void>;
}

/** A certificate authority of the test's own and a server certificate for 127.0.0.1 issued by it. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.crt'),
    '-days',
    '2',
    '-subj',
    '/CN=Roster Test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    file('server.key'),
    '-out',
    file('server.csr'),
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.crt'),
    '-days',
    '2',
    '-extfile',
    file('san.cnf'),
  );
  return { ca: file('ca.crt'), cert: file('server.crt'), key: file('server.key') };
}

async function listening(port: number, deadline: number): Promise<void> {
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > deadline) throw new Error(`slapd did not start listening on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts slapd with the sample (and `people`, e.g. generatedPeople(2500)) loaded by slapadd. */
export async function startLdapServer(
  t: Teardown,
  people: SamplePerson[] = SAMPLE,
  options: { tls?: boolean } = {},
): Promise<TestLdapServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'roster-ldap-'));
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  const certificates = options.tls ? makeCertificates(dir) : undefined;
  writeFileSync(path.join(dir, 'ad.schema'), AD_SCHEMA);
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      ...['core', 'cosine', 'inetorgperson'].map((name) => `include ${SCHEMA_DIR}/${name}.schema`),
      `include ${path.join(dir, 'ad.schema')}`,
      `pidfile ${path.join(dir, 'slapd.pid')}`,
      `modulepath ${MODULE_DIR}`,
      'moduleload back_mdb',
      ...(certificates
        ? [
            `TLSCACertificateFile ${certificates.ca}`,
            `TLSCertificateFile ${certificates.cert}`,
            `TLSCertificateKeyFile ${certificates.key}`,
          ]
        : []),
      // Like AD: 1,000 entries at most unless the search is paged.
      'sizelimit size.soft=1000 size.hard=1000 size.prtotal=unlimited',
      'database mdb',
      `suffix "${BASE_DN}"`,
      `rootdn "cn=admin,${BASE_DN}"`,
      'rootpw not-used-by-roster',
      `directory ${dataDir}`,
      'maxsize 268435456',
      'access to attrs=userPassword by anonymous auth by * none',
      'access to * by users read by * none',
    ].join('\n'),
  );
  const ldif = path.join(dir, 'data.ldif');
  writeFileSync(ldif, [baseLdif(), ...people.map(personLdif)].join('\n\n') + '\n');
  execFileSync(SLAPADD, ['-q', '-f', conf, '-l', ldif], { stdio: 'pipe' });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const securePort = certificates ? await freePort() : undefined;
  const ldapsUrl = securePort ? `ldaps://127.0.0.1:${securePort}` : undefined;
  const listen = [url, ldapsUrl]
    .filter(Boolean)
    .map((u) => `${u}/`)
    .join(' ');
  // -d keeps slapd in the foreground as this process's child, so the test can stop it.
  const slapd = spawn(SLAPD, ['-d', '0', '-f', conf, '-h', listen], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => slapd.once('exit', () => resolve()));
  const stop = async () => {
    if (slapd.exitCode === null) slapd.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  t.teardown(stop);
  await listening(port, Date.now() + 15_000);
  if (securePort) await listening(securePort, Date.now() + 15_000);
  const caCertificate = certificates ? readFileSync(certificates.ca, 'utf8') : undefined;
  return { url, port, ldapsUrl, caCertificate, stop };
}

/**
 * Changes the running directory as its administrator would (ldapmodify, ldapmodrdn): `change`
 * gets a client bound as the rootdn, which the access rules do not limit.
 */
export async function changeDirectory(url: string, change: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ url });
  try {
    await client.bind(`cn=admin,${BASE_DN}`, 'not-used-by-roster');
    await change(client);
  } finally {
    await client.unbind();
  }
}

/** Replaces one attribute's values on an entry, as an ldapmodify "replace" does. */
export function replaceAttribute(client: Client, dn: string, type: string, values: string[]): Promise<void> {
  return client.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type, values }) }));
}
