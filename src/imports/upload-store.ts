import { randomBytes } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
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
  /** The encoding was chosen by the administrator rather than found from the bytes. */
  chosen?: boolean;
  /** Rows read from the directory rather than a file: `text` is empty, the check job reads the entries. */
  source?: 'directory';
  text: string;
}

/**
 * The files kept for one upload: a little about it, its decoded text, the bytes as sent, and its
 * computed preview. The text is a file of its own: every page of an import reads the upload, and
 * most never need the text, which for 100,000 rows is ten megabytes to read and parse each time.
 */
const FILES = {
  upload: '.json',
  text: '.text',
  bytes: '.bytes',
  preview: '.preview.json',
  choices: '.choices.json',
  rows: '.rows',
} as const;
type Kept = keyof typeof FILES;

/**
 * Uploaded import files between the preview and the confirmation: in the data directory, one
 * folder per administrator, the decoded text with a little about it, the bytes as they came (to
 * read again in another encoding) and the preview worked out from them (so showing the page
 * again reads no CSV). Kept on disk rather than in the session, which is read on every request
 * and would carry megabytes. Every file is readable by the server's user only, and an upload is
 * found only in its own administrator's folder, so nobody else can preview or confirm it.
 */
export class UploadStore {
  constructor(private readonly root: string) {}

  save(actorId: number, upload: Omit<StoredUpload, 'id'>, bytes?: Buffer, now = Date.now()): string {
    this.removeExpired(now);
    const id = randomBytes(16).toString('hex');
    mkdirSync(this.folder(actorId), { recursive: true, mode: 0o700 });
    if (bytes) this.write(actorId, id, 'bytes', bytes);
    this.keepUpload(actorId, id, upload);
    return id;
  }

  /** The upload, when it is this administrator's and has not expired; its text is read when first asked for. */
  find(actorId: number, id: string, now = Date.now()): StoredUpload | undefined {
    const found = this.parsed(this.read(actorId, id, 'upload', now)) as Omit<StoredUpload, 'id' | 'text'> | undefined;
    if (!found) return undefined;
    let text: string | undefined;
    const read = () => (text ??= this.read(actorId, id, 'text', now) ?? '');
    return {
      id,
      ...found,
      get text() {
        return read();
      },
    };
  }

  /** The bytes as uploaded, to decode again; absent for an upload kept without them. */
  bytes(actorId: number, id: string, now = Date.now()): Buffer | undefined {
    if (!this.find(actorId, id, now)) return undefined;
    try {
      return readFileSync(this.file(actorId, id, 'bytes'));
    } catch {
      return undefined;
    }
  }

  /** Keeps the upload read again (in another encoding): its preview is worked out anew. */
  replaceText(actorId: number, id: string, decoded: Pick<StoredUpload, 'encoding' | 'text'>, now = Date.now()) {
    const upload = this.find(actorId, id, now);
    if (!upload) return;
    this.forgetPreview(actorId, id);
    rmSync(this.file(actorId, id, 'choices'), { force: true });
    rmSync(this.file(actorId, id, 'rows'), { force: true });
    this.keepUpload(actorId, id, { filename: upload.filename, chosen: true, ...decoded });
    // Read again counts as uploaded again: the bytes are kept as long as the text.
    utimesSync(this.file(actorId, id, 'bytes'), now / 1000, now / 1000);
  }

  /** The preview kept with the upload, while the upload itself is kept. */
  keptPreview(actorId: number, id: string, now = Date.now()): unknown {
    if (this.read(actorId, id, 'upload', now, false) === undefined) return undefined;
    return this.parsed(this.read(actorId, id, 'preview', now));
  }

  keepPreview(actorId: number, id: string, preview: unknown): void {
    if (ID.test(id)) this.write(actorId, id, 'preview', JSON.stringify(preview));
  }

  /** What was chosen on the mapping page, and the job checking the rows with it. */
  choices(actorId: number, id: string, now = Date.now()): unknown {
    if (this.read(actorId, id, 'upload', now, false) === undefined) return undefined;
    return this.parsed(this.read(actorId, id, 'choices', now));
  }

  keepChoices(actorId: number, id: string, choices: unknown): void {
    if (ID.test(id)) this.write(actorId, id, 'choices', JSON.stringify(choices));
  }

  /**
   * The rows as the check read them through the mapping, so the import reads no CSV again.
   * Kept until the text is read again (another encoding) or the upload removed.
   */
  keepRows(actorId: number, id: string, rows: unknown): void {
    if (ID.test(id)) this.write(actorId, id, 'rows', serialize(rows));
  }

  rows(actorId: number, id: string, now = Date.now()): unknown {
    if (!this.find(actorId, id, now) || !ID.test(id)) return undefined;
    try {
      return deserialize(readFileSync(this.file(actorId, id, 'rows')));
    } catch {
      return undefined;
    }
  }

  /** The directory changed in a way the preview did not foresee: the next one is worked out again. */
  forgetPreview(actorId: number, id: string): void {
    if (ID.test(id)) rmSync(this.file(actorId, id, 'preview'), { force: true });
  }

  remove(actorId: number, id: string): void {
    if (!ID.test(id)) return;
    for (const kind of Object.keys(FILES) as Kept[]) rmSync(this.file(actorId, id, kind), { force: true });
  }

  /** Removes every upload older than KEPT_MS, whoever left it. */
  removeExpired(now = Date.now()): void {
    removeOlderThan(this.root, KEPT_MS, now);
  }

  private folder(actorId: number): string {
    return path.join(this.root, String(Math.trunc(actorId)));
  }

  private file(actorId: number, id: string, kind: Kept): string {
    return path.join(this.folder(actorId), `${id}${FILES[kind]}`);
  }

  /** The text first: a request that finds the new description then reads the new text. */
  private keepUpload(actorId: number, id: string, { text, ...about }: Omit<StoredUpload, 'id'>): void {
    this.write(actorId, id, 'text', text);
    this.write(actorId, id, 'upload', JSON.stringify(about));
  }

  /** Written whole, then renamed into place: a request reading it meanwhile sees the old file or the new. */
  private write(actorId: number, id: string, kind: Kept, data: string | Buffer): void {
    const file = this.file(actorId, id, kind);
    const written = `${file}.${randomBytes(4).toString('hex')}.partial`;
    writeFileSync(written, data, { mode: 0o600 });
    renameSync(written, file);
  }

  private parsed(json: string | undefined): object | undefined {
    try {
      return json === undefined ? undefined : (JSON.parse(json) as object);
    } catch {
      return undefined;
    }
  }

  /** A kept file's text, when the id is well formed and the file young enough; `content` false only checks. */
  private read(actorId: number, id: string, kind: Kept, now: number, content = true): string | undefined {
    if (!ID.test(id)) return undefined;
    const file = keptFile(this.file(actorId, id, kind), KEPT_MS, now);
    if (!file) return undefined;
    try {
      return content ? readFileSync(file, 'utf8') : '';
    } catch {
      return undefined;
    }
  }
}

/** The store in a data directory: the same folder for the requests and the job process. */
export const uploadStoreIn = (dataDir: string) => new UploadStore(path.join(dataDir, 'imports'));
