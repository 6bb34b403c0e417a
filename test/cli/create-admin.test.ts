import Database from 'better-sqlite3';
import path from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/app.js';
import { type Run, run } from '../helpers/cli.js';

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
