import t from 'tap';
import { DEFAULT_ATTRIBUTE_MAP } from '../../src/directory/attribute-map.js';
import { dnKey, entriesToRows, statusOf } from '../../src/directory/entries-to-rows.js';
import { guidText, type DirectoryEntry } from '../../src/directory/ldap-client.js';

const entry = (cn: string, attributes: Record<string, string>): DirectoryEntry => ({
  dn: `CN=${cn},OU=Staff,DC=example,DC=com`,
  attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k.toLowerCase(), [v]])),
});

const boss = entry('Björn Þórsson', {
  sAMAccountName: 'bjorn',
  givenName: 'Björn',
  sn: 'Þórsson',
  displayName: 'Björn Þórsson',
  mail: 'bjorn@example.com',
  department: 'Sales',
  company: 'Example',
  userAccountControl: '512',
  objectGUID: 'guid-bjorn',
});

t.test('an AD entry becomes a row with every mapped field, and the disabled bit makes it inactive', async (t) => {
  const zoe = entry('Zoë Ångström', {
    sAMAccountName: 'zoe',
    givenName: 'Zoë',
    sn: 'Ångström',
    userPrincipalName: 'zoe@example.com',
    telephoneNumber: '+46 8 123',
    userAccountControl: '514',
    // Written with other spacing and case than the boss's own DN.
    manager: 'cn=Björn Þórsson, ou=Staff, dc=example, dc=com',
    objectGUID: 'guid-zoe',
  });
  const [bjorn, row] = entriesToRows([boss, zoe], DEFAULT_ATTRIBUTE_MAP);
  t.same(bjorn!.errors, []);
  t.same(bjorn!.values, {
    username: 'bjorn',
    email: 'bjorn@example.com',
    firstName: 'Björn',
    lastName: 'Þórsson',
    fullName: 'Björn Þórsson',
    phone: '',
    groups: 'Sales',
    companies: 'Example',
    status: 'active',
  });
  t.equal(row!.line, 'CN=Zoë Ångström,OU=Staff,DC=example,DC=com', 'a row is named by its DN');
  t.equal(row!.directoryId, 'guid-zoe');
  t.equal(row!.values.status, 'inactive', 'userAccountControl 514 has the disabled bit');
  t.equal(row!.values.email, 'zoe@example.com', 'userPrincipalName stands in for an empty mail');
  t.equal(row!.values.supervisor, 'bjorn', 'the manager DN resolves to their username');
  t.equal(row!.supervisorDirectoryId, 'guid-bjorn');
  t.same(row!.errors, []);
});

t.test('an entry missing what Roster needs, or naming a manager no one is, becomes a row error', async (t) => {
  const nameless = entry('Nameless', { givenName: 'No', sn: 'Name', objectGUID: 'guid-x' });
  const anonymous = entry('No Guid', { sAMAccountName: 'noguid' });
  const orphan = entry('Orphan', {
    sAMAccountName: 'orphan',
    objectGUID: 'guid-orphan',
    manager: 'CN=Departed,OU=Former,DC=example,DC=com',
  });
  const odd = entry('Odd', { sAMAccountName: 'odd', objectGUID: 'guid-odd', userAccountControl: 'maybe' });
  const rows = entriesToRows([nameless, anonymous, orphan, odd], DEFAULT_ATTRIBUTE_MAP);
  t.match(rows[0]!.errors, [/The entry has no sAMAccountName \(username\), which Roster needs/]);
  t.match(rows[1]!.errors, [/The entry has no objectGUID \(directory id\)/]);
  t.match(rows[2]!.errors, [/The manager "CN=Departed,OU=Former,DC=example,DC=com" resolves to no one/]);
  t.match(rows[3]!.errors, [/The userAccountControl value "maybe" does not say whether the account is enabled/]);

  const known = entriesToRows([orphan], DEFAULT_ATTRIBUTE_MAP, {
    managerIds: new Map([[dnKey('CN=Departed,OU=Former,DC=example,DC=com'), 'guid-departed']]),
    existingUsers: new Map([['guid-departed', 'departed']]),
  })[0]!;
  t.same(known.errors, [], 'a manager Roster already holds from the directory resolves');
  t.equal(known.values.supervisor, 'departed');
});

t.test('two entries with one username or directory id are both named', async (t) => {
  const twin = entry('Twin', { sAMAccountName: 'BJORN', objectGUID: 'guid-bjorn' });
  const rows = entriesToRows([boss, twin], DEFAULT_ATTRIBUTE_MAP);
  t.same(rows[0]!.errors, []);
  t.match(rows[1]!.errors, [/same directory id \(CN=Björn Þórsson/, /same username/]);
});

t.test('status words and GUID bytes', async (t) => {
  t.equal(statusOf('512'), 'active');
  t.equal(statusOf('66050'), 'inactive');
  t.equal(statusOf('Disabled'), 'inactive');
  t.equal(statusOf('TRUE'), 'active');
  t.equal(statusOf('sometimes'), undefined);
  // AD stores the first three groups little-endian.
  t.equal(guidText(Buffer.from('00112233445566778899aabbccddeeff', 'hex')), '33221100-5544-7766-8899-aabbccddeeff');
});
