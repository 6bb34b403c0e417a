import type { Db } from '../db/connection.js';
import { type User, users } from '../db/schema.js';
import { hashPassword, type PasswordPolicy, passwordProblem } from '../auth/passwords.js';
import { refreshDerivedFields } from '../users/derived-fields.js';
import { superuserExists } from '../access/actor.js';
import { seedFirstRunItems } from '../reference/first-run-defaults.js';
import { EMAIL } from '../email-address.js';

export interface FirstAdminInput {
  username: string;
  fullName: string;
  email: string;
  password: string;
  passwordConfirmation: string;
}

export type FieldErrors = Partial<Record<keyof FirstAdminInput, string>>;

const USERNAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;

export class SetupAlreadyDoneError extends Error {
  constructor() {
    super('Roster already has a superuser; sign in with that account to add administrators.');
  }
}

/** Trims and caps every field, so what is validated is exactly what is stored. */
export function readFirstAdminInput(body: Record<string, unknown> | undefined): FirstAdminInput {
  const text = (name: string, max: number) =>
    String(body?.[name] ?? '')
      .trim()
      .slice(0, max);
  return {
    username: text('username', 200),
    fullName: text('fullName', 200),
    email: text('email', 320),
    password: String(body?.password ?? ''),
    passwordConfirmation: String(body?.passwordConfirmation ?? ''),
  };
}

export function validateFirstAdmin(input: FirstAdminInput, policy: PasswordPolicy): FieldErrors {
  const errors: FieldErrors = {};
  if (input.username === '') errors.username = 'Enter a username.';
  else if (!USERNAME.test(input.username)) {
    errors.username = 'Use up to 64 letters, digits and . _ @ + - (no spaces).';
  }
  if (input.email !== '' && !EMAIL.test(input.email)) errors.email = 'Enter an email address like name@example.com.';
  const problem = passwordProblem(input.password, policy, input.username);
  if (problem) errors.password = problem;
  else if (input.password !== input.passwordConfirmation) {
    errors.passwordConfirmation = 'The two passwords do not match.';
  }
  return errors;
}

/**
 * Creates the first superuser, and gives the empty lists a new user needs their first items
 * (see reference/first-run-defaults.ts); refuses when a superuser exists, even if two requests race.
 */
export async function createFirstSuperuser(db: Db, input: FirstAdminInput): Promise<User> {
  const passwordHash = await hashPassword(input.password);
  const [firstName = '', ...rest] = input.fullName.split(/\s+/);
  return db.transaction(
    (tx) => {
      if (superuserExists(tx)) throw new SetupAlreadyDoneError();
      const now = new Date();
      const admin = tx
        .insert(users)
        .values({
          username: input.username,
          fullName: input.fullName,
          firstName,
          lastName: rest.join(' '),
          email: input.email,
          passwordHash,
          passwordChangedAt: now,
          adminRole: 'superuser',
          licenceType: 'full',
        })
        .returning()
        .get();
      refreshDerivedFields(tx, [admin.id]);
      seedFirstRunItems(tx);
      return admin;
    },
    { behavior: 'immediate' },
  );
}
