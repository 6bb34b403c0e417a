import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import type { Queryable } from '../db/connection.js';
import { userAvatars } from '../db/schema.js';
import { oneFileUpload } from '../plugins/file-upload.js';

export const AVATAR_FIELD = 'avatar';
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
const ACCEPTED = new Set(['image/png', 'image/jpeg', 'image/webp']);

/**
 * Multipart for the user form, with the avatar's limits: about sixty fields plus one per ticked
 * reference-list checkbox; the largest field is the opened-form snapshot (notes are capped at
 * 10,000 characters).
 */
const avatarUpload = oneFileUpload(AVATAR_FIELD, { fileSize: AVATAR_MAX_BYTES, fields: 3000, fieldSize: 100 * 1024 });
export const avatarMultipartOptions = avatarUpload.options;

export type AvatarUpload =
  | { kind: 'none' }
  | { kind: 'image'; mimeType: string; data: Buffer }
  | { kind: 'refused'; error: string; tooLarge: boolean };

/**
 * The posted avatar, checked by its bytes: a name or a declared type says nothing about what
 * a browser would make of the content, and an SVG could carry script.
 */
export async function readAvatarUpload(request: FastifyRequest): Promise<AvatarUpload> {
  const upload = avatarUpload.read(request);
  if (!upload) return { kind: 'none' };
  if (upload.truncated) {
    return { kind: 'refused', error: 'This image is larger than 2 MB. Choose a smaller one.', tooLarge: true };
  }
  if (upload.data.length === 0) {
    return { kind: 'refused', error: 'This file is empty. Choose a PNG, JPEG or WebP image.', tooLarge: false };
  }
  const detected = await fileTypeFromBuffer(upload.data);
  // An animated PNG is a PNG to every browser.
  const mimeType = detected?.mime === 'image/apng' ? 'image/png' : detected?.mime;
  if (!mimeType || !ACCEPTED.has(mimeType)) {
    return {
      kind: 'refused',
      error: 'This file is not a PNG, JPEG or WebP image. Choose one of those.',
      tooLarge: false,
    };
  }
  return { kind: 'image', mimeType, data: upload.data };
}

/** Whether the request carried a chosen file, which a refused form cannot give back. */
export function fileWasChosen(request: FastifyRequest): boolean {
  return avatarUpload.read(request) !== undefined;
}

/** What the form asks to do with the avatar: undefined leaves it as it is. */
export type AvatarChange = { mimeType: string; data: Buffer } | 'remove' | undefined;

export function avatarOf(db: Queryable, userId: number) {
  return db.select().from(userAvatars).where(eq(userAvatars.userId, userId)).get();
}

export function avatarTypeOf(db: Queryable, userId: number): string | undefined {
  return db.select({ mimeType: userAvatars.mimeType }).from(userAvatars).where(eq(userAvatars.userId, userId)).get()
    ?.mimeType;
}

/**
 * Applies a change inside the caller's transaction and returns it as an audit change, before →
 * after by type, or undefined when nothing changed. A new image always counts, even of the
 * same type.
 */
export function writeAvatar(tx: Queryable, userId: number, change: AvatarChange): [string, string] | undefined {
  if (change === undefined) return undefined;
  const before = avatarTypeOf(tx, userId) ?? 'none';
  if (change === 'remove') {
    if (before === 'none') return undefined;
    tx.delete(userAvatars).where(eq(userAvatars.userId, userId)).run();
    return [before, 'none'];
  }
  tx.insert(userAvatars)
    .values({ userId, mimeType: change.mimeType, data: change.data })
    .onConflictDoUpdate({ target: userAvatars.userId, set: { mimeType: change.mimeType, data: change.data } })
    .run();
  return [before, change.mimeType];
}
