import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { keptFile, removeOlderThan } from '../kept-files.js';
import path from 'node:path';

/** An upload waits this long for its administrator to confirm it, then is removed. */
export const KEPT_MS = 60 * 60_000;

/** Ids are random, so one cannot be guessed; the pattern keeps any other text out of a path. */
const ID = /^[a-f0-9]{32}$/;

export interface StoredUpload {
  id: string;
  filename: string;
  encoding: string;
  text: string;
}

/**
 * Uploaded import files between the preview and the confirmation: in the data directory, one
 * folder per administrator, the decoded text with a little about it. Kept on disk rather than
 * in the session, which is read on every request and would carry megabytes. An upload is found
 * only in its own administrator's folder, so nobody else can preview or confirm it.
 */
export class UploadStore {
  constructor(private readonly root: string) {}

  save(actorId: number, upload: Omit<StoredUpload, 'id'>, now = Date.now()): string {
    this.removeExpired(now);
    const id = randomBytes(16).toString('hex');
    const dir = this.folder(actorId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(upload), { mode: 0o600 });
    return id;
  }

  /** The upload, when it is this administrator's and has not expired. */
  find(actorId: number, id: string, now = Date.now()): StoredUpload | undefined {
    if (!ID.test(id)) return undefined;
    const file = path.join(this.folder(actorId), `${id}.json`);
    if (!keptFile(file, KEPT_MS, now)) return undefined;
    try {
      return { id, ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<StoredUpload, 'id'>) };
    } catch {
      return undefined;
    }
  }

  remove(actorId: number, id: string): void {
    if (ID.test(id)) rmSync(path.join(this.folder(actorId), `${id}.json`), { force: true });
  }

  /** Removes every upload older than KEPT_MS, whoever left it. */
  removeExpired(now = Date.now()): void {
    removeOlderThan(this.root, KEPT_MS, now);
  }

  private folder(actorId: number): string {
    return path.join(this.root, String(Math.trunc(actorId)));
  }
}

/** The store in a data directory: the same folder for the requests and the job thread. */
export const uploadStoreIn = (dataDir: string) => new UploadStore(path.join(dataDir, 'imports'));
