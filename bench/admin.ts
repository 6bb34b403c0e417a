import { hashPassword } from '../src/auth/passwords.js';
import type { Db } from '../src/db/connection.js';
import { users } from '../src/db/schema.js';
import { createFirstSuperuser, type FirstAdminInput, validateFirstAdmin } from '../src/setup/first-admin.js';
import { refreshDerivedFields } from '../src/users/derived-fields.js';
import { superuserExists } from '../src/access/actor.js';
import { findAccountByLogin } from '../src/users/repository.js';
import type { Credentials } from './config.js';

export type AdminOutcome = 'existing' | 'created first superuser' | 'added bench superuser';

/**
 * Makes sure the bench can sign in. A fresh directory gets its first superuser the way the
 * setup page makes it. When someone else already set the directory up, their password is not
 * the bench's to know: it adds a superuser of its own beside theirs.
 */
export async function ensureBenchAdmin(db: Db, credentials: Credentials): Promise<AdminOutcome> {
  if (superuserExists(db) && findAccountByLogin(db, credentials.username)) return 'existing';

  const input: FirstAdminInput = {
    username: credentials.username,
    fullName: 'Load Test',
    email: '',
    password: credentials.password,
    passwordConfirmation: credentials.password,
  };
  const problems = Object.values(validateFirstAdmin(input, { minLength: 12 }));
  if (problems.length > 0) throw new Error(`The bench account cannot be created: ${problems.join(' ')}`);

  if (!superuserExists(db)) {
    await createFirstSuperuser(db, input);
    return 'created first superuser';
  }
  // createFirstSuperuser refuses once a superuser exists, so the same row is written here.
  const passwordHash = await hashPassword(input.password);
  db.transaction(
    (tx) => {
      const admin = tx
        .insert(users)
        .values({
          username: input.username,
          fullName: input.fullName,
          firstName: 'Load',
          lastName: 'Test',
          email: input.email,
          passwordHash,
          passwordChangedAt: new Date(),
          adminRole: 'superuser',
          licenceType: 'full',
        })
        .returning()
        .get();
      refreshDerivedFields(tx, [admin.id]);
    },
    { behavior: 'immediate' },
  );
  return 'added bench superuser';
}
