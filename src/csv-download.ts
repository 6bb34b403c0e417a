import type { FastifyReply } from 'fastify';

/**
 * Marks a reply as a CSV file the browser saves rather than shows, and never caches: exports,
 * import templates and error reports, temporary passwords. Their text starts with a
 * byte-order mark (csv-stringify's `bom`), without which Excel takes the file for the local
 * code page and garbles "Öberg".
 */
export function csvDownload(reply: FastifyReply, filename: string): FastifyReply {
  return reply
    .header('Content-Type', 'text/csv; charset=utf-8')
    .header('Content-Disposition', `attachment; filename="${filename}"`)
    .header('Cache-Control', 'no-store');
}
