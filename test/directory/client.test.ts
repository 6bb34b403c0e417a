import t from 'tap';
import { Client, SizeLimitExceededError } from 'ldapts';
import { DEFAULT_ATTRIBUTE_MAP } from '../../src/directory/attribute-map.js';
import { DEFAULT_USER_FILTER, type DirectoryConnection } from '../../src/directory/directory-settings.js';
import {
  DirectoryError,
  guidText,
  PAGE_SIZE,
  searchUsers,
  type DirectoryEntry,
} from '../../src/directory/ldap-client.js';
import {
  BASE_DN,
  BIND_DN,
  BIND_PASSWORD,
  generatedPeople,
  guidBytesOf,
  SAMPLE,
  startLdapServer,
} from '../helpers/ldap.js';

const GENERATED = 2_500;

t.test('a paged search reads every entry past the 1,000 a page the directory allows', async (t) => {
  const ldap = await startLdapServer(t, [...SAMPLE, ...generatedPeople(GENERATED)]);
  const settings: DirectoryConnection = {
    url: ldap.url,
    startTls: false,
    caCertificate: '',
    bindDn: BIND_DN,
    bindPassword: BIND_PASSWORD,
    hasPassword: true,
    baseDn: BASE_DN,
    userFilter: DEFAULT_USER_FILTER,
    attributeMap: DEFAULT_ATTRIBUTE_MAP,
    syncEnabled: false,
    syncIntervalMinutes: 60,
    syncDeactivateMissing: false,
    syncMaxChangePercent: 10,
  };

  // Without paging the server stops at 1,000, as Active Directory does.
  const plain = new Client({ url: ldap.url });
  await plain.bind(BIND_DN, BIND_PASSWORD);
  await t.rejects(plain.search(BASE_DN, { filter: DEFAULT_USER_FILTER }), SizeLimitExceededError);
  await plain.unbind();

  const pages: number[] = [];
  const entries: DirectoryEntry[] = [];
  await searchUsers(settings, (page) => {
    pages.push(page.length);
    entries.push(...page);
  });
  t.equal(entries.length, GENERATED + 5, 'every person, and not the computer');
  t.ok(pages.length >= 3, `${pages.length} pages`);
  t.ok(Math.max(...pages) <= PAGE_SIZE, 'no page above 1,000');

  const zoe = entries.find((e) => e.attributes.samaccountname?.[0] === 'zoe')!;
  t.equal(zoe.attributes.givenname![0], 'Zoë', 'non-ASCII names arrive intact');
  t.equal(zoe.attributes.useraccountcontrol![0], '514');
  t.equal(zoe.attributes.objectguid![0], guidText(guidBytesOf('Zoë Ångström')), 'objectGUID as GUID text');
  t.equal(zoe.attributes.manager![0], 'cn=Björn Þórsson,ou=People,dc=example,dc=org');

  let seen = 0;
  await searchUsers(settings, (page) => {
    seen += page.length;
    return false;
  });
  t.equal(seen, PAGE_SIZE, 'a caller can stop after the first page');

  // This directory, like AD, shows nothing to an anonymous search: not even the base DN.
  const anonymous = await searchUsers({ ...settings, bindDn: '', bindPassword: '' }, () => undefined).catch(
    (e: unknown) => e,
  );
  t.ok(anonymous instanceof DirectoryError);

  const wrong = await searchUsers({ ...settings, bindPassword: 'wrong' }, () => undefined).catch((e: unknown) => e);
  t.ok(wrong instanceof DirectoryError);
  t.match((wrong as Error).message, /The directory refused the bind DN and password/);
});

t.test(
  'ldaps:// and StartTLS trust the server through the CA certificate given, and say so when it is missing',
  async (t) => {
    const ldap = await startLdapServer(t, SAMPLE, { tls: true });
    const settings: DirectoryConnection = {
      url: ldap.ldapsUrl!,
      startTls: false,
      caCertificate: ldap.caCertificate!,
      bindDn: BIND_DN,
      bindPassword: BIND_PASSWORD,
      hasPassword: true,
      baseDn: BASE_DN,
      userFilter: DEFAULT_USER_FILTER,
      attributeMap: DEFAULT_ATTRIBUTE_MAP,
      syncEnabled: false,
      syncIntervalMinutes: 60,
      syncDeactivateMissing: false,
      syncMaxChangePercent: 10,
    };
    const count = async (s: DirectoryConnection) => {
      let n = 0;
      await searchUsers(s, (page) => void (n += page.length));
      return n;
    };
    t.equal(await count(settings), 5, 'over ldaps://');
    t.equal(await count({ ...settings, url: ldap.url, startTls: true }), 5, 'over StartTLS');

    const untrusted = await count({ ...settings, caCertificate: '' }).catch((e: unknown) => e);
    t.ok(untrusted instanceof DirectoryError);
    t.match((untrusted as Error).message, /The certificate of 127.0.0.1:\d+ is not trusted/);
    t.match((untrusted as Error).message, /CA certificate/);
    const untrustedStartTls = await count({ ...settings, url: ldap.url, startTls: true, caCertificate: '' }).catch(
      (e: unknown) => e,
    );
    t.match((untrustedStartTls as Error).message, /is not trusted/);
  },
);
