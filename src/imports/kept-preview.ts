import type { ImportPreview } from './preview.js';
import type { StoredUpload } from './upload-store.js';

/** What the preview page shows, kept with the upload so that showing it again reads no CSV. */
export interface KeptPreview {
  upload: Pick<StoredUpload, 'id' | 'filename' | 'encoding' | 'chosen' | 'source'>;
  result: ImportPreview | { problem: string };
}
