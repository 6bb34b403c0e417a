import type { FastifyInstance } from 'fastify';
import type { Client } from './app.js';

export interface FilePart {
  filename: string;
  type: string;
  data: Buffer;
}

const NO_FILE: FilePart = { filename: '', type: 'application/octet-stream', data: Buffer.alloc(0) };

/**
 * Posts a form as a browser does once it has a file input: multipart, the CSRF token and the
 * fields first, the file (or an empty file input) last.
 */
export function postMultipart(
  app: FastifyInstance,
  client: Client,
  url: string,
  fields: [string, string][],
  file: FilePart = NO_FILE,
  { field = 'file', csrf = true }: { field?: string; csrf?: boolean } = {},
) {
  const boundary = '----rosterTestBoundary7MA4YWxkTrZu0gW';
  const chunks: Buffer[] = [];
  for (const [name, value] of csrf ? [['_csrf', client.csrfToken], ...fields] : fields) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${file.filename}"\r\n` +
        `Content-Type: ${file.type}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return app.inject({
    method: 'POST',
    url,
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: client.cookieHeader },
  });
}
