import type { FastifyMultipartAttachFieldsToBodyOptions, MultipartFile } from '@fastify/multipart';
import { eq } from 'drizzle-orm';
import type { FastifyRequest } from 'fastify';
import { fileTypeFromBuffer } from 'file-type';
import type { Queryable } from '../db/connection.js';
import { userAvatars } from '../db/schema.js';

export const AVATAR_FIELD = 'avatar';
export const AVATAR_MAX_BYTES = 2 * 1024 * 1024;
const ACCEPTED = new Set(['image/png', 'image/jpeg', 'image/webp']);

/** What was posted in the file field, as read off the request. */
interface Upload {
  filename: string;
  data: Buffer;
  /** The sender went past the size limit: data holds only its first part. */
  truncated: boolean;
}

const uploads = new WeakMap<FastifyRequest, Upload>();

/**
 * Multipart for the user form. Fields land in request.body as plain values, exactly as the
 * url-encoded form sends them, so the CSRF check and readUserForm see no difference. Files
 * are read into memory up to the limit plus one byte: an oversized file must come back as a
 * message beside the field, not as a bare error page, so the size limit does not throw.
 */
export const avatarMultipartOptions: FastifyMultipartAttachFieldsToBodyOptions = {
  attachFieldsToBody: 'keyValues',
  throwFileSizeLimit: false,
  limits: {
    fileSize: AVATAR_MAX_BYTES,
    files: 1,
    // About sixty fields plus one per ticked reference-list checkbox; these bound the memory a
    // post can take (fields × fieldSize), since multipart bypasses the server's body limit.
    fields: 3000,
    parts: 3001,
    fieldNameSize: 100,
    // The largest field is the opened-form snapshot; notes are capped at 10,000 characters.
    fieldSize: 100 * 1024,
  },
  async onFile(this: FastifyRequest, part: MultipartFile) {
    const data = await part.toBuffer();
    if (part.fieldname === AVATAR_FIELD) {
      uploads.set(this, { filename: part.filename, data, truncated: part.file.truncated });
    }
  },
};

export type AvatarUpload =
  | { kind: 'none' }
  | { kind: 'image'; mimeType: string; data: Buffer }
  | { kind: 'refused'; error: string; tooLarge: boolean };

/**
 * The posted avatar, checked by its bytes: a name or a declared type says nothing about what
 * a browser would make of the content, and an SVG could carry script.
 */
export async function readAvatarUpload(request: FastifyRequest): Promise<AvatarUpload> {
  const upload = uploads.get(request);
  // A file input left empty is still sent, with no name and no bytes.
  if (!upload || (upload.filename === '' && upload.data.length === 0)) return { kind: 'none' };
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
  const upload = uploads.get(request);
  return upload !== undefined && (upload.filename !== '' || upload.data.length > 0);
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
