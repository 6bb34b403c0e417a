import Database from 'better-sqlite3';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/app.js';
import { type Run, run } from '../helpers/cli.js';
import { verifyPassword } from '../../src/auth/passwords.js';

/** Runs the real command the way an operator's script does: the password arrives on stdin. */
function createAdmin(dataDir: string, args: string[], stdin: string): Promise<Run> {
  return run('src/cli/create-admin.ts', args, { DATA_DIR: dataDir, PORT: '4567' }, stdin);
}

function usersIn(dataDir: string) {
  const db = new Database(path.join(dataDir, 'roster.db'), { readonly: true });
  try {
    return db.prepare('select username, full_name, email, admin_role, password_hash from users').all() as {
      username: string;
      full_name: string;
      email: string;
      admin_role: string | null;
      password_hash: string;
    }[];
  } finally {
    db.close();
  }
}

t.test('creates the first superuser, then refuses a second one', async (t) => {
  const dir = tempDir(t);
  const first = await createAdmin(
    dir,
    ['--username', 'alice', '--full-name', 'Alice Liddell', '--email', 'alice@example.com'],
    'violet tugboat uncle 42\n',
  );
  t.equal(first.code, 0, first.stderr);
  t.match(first.stdout, 'Superuser alice created. Sign in at http://localhost:4567/signin');

  const [alice, ...others] = usersIn(dir);
  t.same(others, []);
  t.match(alice, {
    username: 'alice',
    full_name: 'Alice Liddell',
    email: 'alice@example.com',
    admin_role: 'superuser',
  });
  t.match(alice?.password_hash, /^\$argon2id\$/, 'the password is stored only as an argon2id hash');

  const second = await createAdmin(dir, ['--username', 'bob'], 'another fine passphrase\n');
  t.equal(second.code, 1);
  t.match(second.stderr, /already has a superuser/);
  t.same(
    usersIn(dir).map((u) => u.username),
    ['alice'],
    'nothing was added',
  );
});

t.test('a weak password is refused and nothing is written', async (t) => {
  const dir = tempDir(t);
  const run = await createAdmin(dir, ['--username', 'alice'], 'qwerty123456\n');
  t.equal(run.code, 1);
  t.match(run.stderr, /Password: .*commonly used/);
  t.equal(run.stdout, '');
  t.same(usersIn(dir), []);
});

t.test('every invalid field is reported', async (t) => {
  const dir = tempDir(t);
  const run = await createAdmin(dir, ['--email', 'not-an-address'], 'short\n');
  t.equal(run.code, 1);
  t.match(run.stderr, /Username \(--username\): Enter a username/);
  t.match(run.stderr, /Email \(--email\): Enter an email address/);
  t.match(run.stderr, /Password: Use at least 12 characters/);
  t.match(run.stderr, /Usage: npm run create-admin/);
  t.same(usersIn(dir), []);
});

t.test('an unknown option is refused with the usage', async (t) => {
  const run = await createAdmin(tempDir(t), ['--user', 'alice'], '');
  t.equal(run.code, 1);
  t.match(run.stderr, /Unknown option '--user'/);
  t.match(run.stderr, /Usage: npm run create-admin/);
});

t.test('--reset takes the console back for a superuser who is locked out or lost the password', async (t) => {
  const dir = tempDir(t);
  t.equal((await createAdmin(dir, ['--username', 'alice'], 'violet tugboat uncle 42\n')).code, 0);
  // Everything that could stand between alice and the console, all at once.
  const db = new Database(path.join(dir, 'roster.db'));
  const id = (db.prepare("select id from users where username = 'alice'").get() as { id: number }).id;
  db.prepare(
    `update users set admin_role = 'admin', admin_permissions = '["view"]', status = 'inactive', blocked = 1,
       locked_until = ?, failed_signin_count = 40, must_change_password = 1 where id = ?`,
  ).run(Date.now() + 3_600_000, id);
  db.prepare("insert into admin_scopes (admin_id, kind, ref_id) values (?, 'groups', 1)").run(id);
  db.prepare(
    "insert into signin_failures (user_id, at, audience, address, failures) values (?, ?, 'admin', '203.0.113.5', 10)",
  ).run(id, Date.now());
  db.prepare("insert into sessions (sid, user_id, data, expires_at) values ('stolen', ?, '{}', ?)").run(
    id,
    Date.now() + 3_600_000,
  );
  db.close();

  const run = await createAdmin(dir, ['--reset', 'ALICE'], 'marble otter sings twice\n');
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, 'alice is an active superuser with the new password; 1 session(s) ended');

  const check = new Database(path.join(dir, 'roster.db'), { readonly: true });
  t.teardown(() => check.close());
  const alice = check.prepare('select * from users where id = ?').get(id) as Record<string, unknown>;
  t.match(alice, {
    admin_role: 'superuser',
    admin_permissions: null,
    status: 'active',
    blocked: 0,
    locked_until: null,
    failed_signin_count: 0,
    must_change_password: 0,
  });
  t.ok(await verifyPassword(alice.password_hash as string, 'marble otter sings twice'), 'the new password works');
  for (const table of ['admin_scopes where admin_id', 'signin_failures where user_id', 'sessions where user_id']) {
    t.equal((check.prepare(`select count(*) as n from ${table} = ?`).get(id) as { n: number }).n, 0, `${table}: none`);
  }
  const entry = check.prepare("select * from audit_entries where action = 'admin.recover'").get() as Record<
    string,
    unknown
  >;
  t.match(entry, { actor_id: null, target_user_id: id, detail: /create-admin --reset on the server; 1 session ended/ });
  t.match(JSON.parse(entry.changes as string), { adminRole: ['admin', 'superuser'], blocked: [true, false] });
});

t.test('--reset refuses an unknown user and a weak password, and changes nothing', async (t) => {
  const dir = tempDir(t);
  t.equal((await createAdmin(dir, ['--username', 'alice'], 'violet tugboat uncle 42\n')).code, 0);
  const before = usersIn(dir);

  const unknown = await createAdmin(dir, ['--reset', 'nobody'], 'marble otter sings twice\n');
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, 'There is no user named "nobody"');
  const weak = await createAdmin(dir, ['--reset', 'alice'], 'qwerty123456\n');
  t.equal(weak.code, 1);
  t.match(weak.stderr, /Password: .*commonly used/);
  const missing = await createAdmin(dir, ['--reset'], '');
  t.equal(missing.code, 1);
  t.match(missing.stderr, /argument missing[\s\S]*npm run create-admin -- --reset USERNAME/);
  t.same(usersIn(dir), before, 'nothing changed');
});
