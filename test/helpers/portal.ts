import { eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashPassword } from '../../src/auth/passwords.js';
import { type NewUser, type User, users } from '../../src/db/schema.js';
import { Client } from './app.js';

export const USER_PASSWORD = 'violet kettle under moonlight';
export const NEW_PASSWORD = 'seven quiet herons at dawn';
export const REFUSED = 'The username or password is incorrect, or the account cannot sign in.';

/** A managed user as the directory holds one: a password, and no administrator role. */
export async function addManagedUser(
  app: FastifyInstance,
  fields: Partial<NewUser> = {},
  password = USER_PASSWORD,
): Promise<User> {
  return app.db
    .insert(users)
    .values({
      username: 'mira',
      fullName: 'Mira Novak',
      email: 'Mira.Novak@example.com',
      phone: '+386 1 234 5678',
      passwordHash: await hashPassword(password),
      ...fields,
    })
    .returning()
    .get();
}

export function reload(app: FastifyInstance, id: number): User {
  return app.db.select().from(users).where(eq(users.id, id)).get()!;
}

/** Signs in through the portal's form, the way a person does: the page first, then the post. */
export async function portalSignIn(
  client: Client,
  username = 'mira',
  password = USER_PASSWORD,
): Promise<LightMyRequestResponse> {
  await client.get('/login');
  return client.post('/login', { username, password });
}

export async function signedInClient(app: FastifyInstance, username = 'mira', password = USER_PASSWORD) {
  const client = new Client(app);
  const res = await portalSignIn(client, username, password);
  if (res.statusCode !== 302) throw new Error(`portal sign-in failed with ${res.statusCode}`);
  return client;
}
