import type { FastifyMultipartAttachFieldsToBodyOptions, MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';

/** What was posted in a form's file field, as read off the request. */
export interface Upload {
  filename: string;
  data: Buffer;
  /** The sender went past the size limit: data holds only its first part. */
  truncated: boolean;
}

/**
 * Multipart for a form with one file field. Fields land in request.body as plain values,
 * exactly as the url-encoded form sends them, so the CSRF check and the form readers see no
 * difference. The file is read into memory up to the limit: an oversized file must come back
 * as a message beside the field, not as a bare error page, so the size limit does not throw.
 * `fields` and `fieldSize` bound the memory a post can take, since multipart bypasses the
 * server's body limit.
 */
export function oneFileUpload(field: string, limits: { fileSize: number; fields: number; fieldSize: number }) {
  const uploads = new WeakMap<FastifyRequest, Upload>();
  const options: FastifyMultipartAttachFieldsToBodyOptions = {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { ...limits, files: 1, parts: limits.fields + 1, fieldNameSize: 100 },
    async onFile(this: FastifyRequest, part: MultipartFile) {
      const data = await part.toBuffer();
      if (part.fieldname === field)
        uploads.set(this, { filename: part.filename, data, truncated: part.file.truncated });
    },
  };
  /** The posted file; undefined when none was chosen (an empty file input is still sent, without a name or bytes). */
  const read = (request: FastifyRequest): Upload | undefined => {
    const upload = uploads.get(request);
    return upload && (upload.filename !== '' || upload.data.length > 0) ? upload : undefined;
  };
  return { options, read };
}
