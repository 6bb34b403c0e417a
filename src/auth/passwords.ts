import argon2 from 'argon2';
import { dictionary } from '@zxcvbn-ts/language-common';
import { randomInt } from 'node:crypto';

/** argon2id with the library's defaults (64 MiB, 3 passes): the OWASP-recommended shape. */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

// A real hash of a random password: verifying against it when the account does not exist
// costs as much as a real check, so response time does not tell whether a username exists.
let decoyHash: Promise<string> | undefined;
export async function spendVerificationTime(password: string): Promise<void> {
  decoyHash ??= hashPassword(generatePassword());
  await verifyPassword(await decoyHash, password);
}

const COMMON_PASSWORDS = new Set(dictionary['passwords-common'] as string[]);

/** Longer inputs are refused before hashing so nobody can make the server hash megabytes. */
export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordPolicy {
  minLength: number;
}

/** Returns why the password is not acceptable, or null when it is. */
export function passwordProblem(password: string, policy: PasswordPolicy, username = ''): string | null {
  if ([...password].length < policy.minLength) {
    return `Use at least ${policy.minLength} characters.`;
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    return `Use at most ${PASSWORD_MAX_LENGTH} characters.`;
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    return 'This password is on a list of commonly used passwords. Choose another.';
  }
  if (username !== '' && lower.includes(username.toLowerCase())) {
    return 'The password must not contain the username.';
  }
  if (new Set(password).size < 4) {
    return 'Use more varied characters.';
  }
  return null;
}

// No look-alike characters (0/O, 1/l/I), so a password read off the screen is typed right.
const ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A random 20-character password: about 116 bits, in four dash-separated groups of five. */
export function generatePassword(): string {
  const chars = Array.from({ length: 20 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
