import type { FastifyInstance } from 'fastify';
import { fragmentAsked } from '../htmx.js';
import { auditUrl, isFiltered, parseAuditQuery } from './audit-query.js';
import { AUDIT_ACTIONS } from './record.js';
import { auditListing } from './service.js';
import { datesFor } from '../preferences/time-zone.js';

/**
 * The audit log, read only. No route changes or removes an entry, and SQLite refuses to as well
 * (migration 0004): a log that an administrator could edit would prove nothing.
 */
export default async function auditRoutes(app: FastifyInstance) {
  app.get<{ Querystring: Record<string, string | string[] | undefined> }>('/audit', async (request, reply) => {
    const query = parseAuditQuery(request.query);
    const dates = datesFor(app.db, request.actor.id);
    const data = {
      title: 'Audit',
      query,
      listing: auditListing(app.db, request.actor, query, dates),
      actions: AUDIT_ACTIONS,
      filtered: isFiltered(query),
      auditUrl,
    };
    if (fragmentAsked(request, reply)) {
      // The form sends its empty fields too; the address bar gets the short, canonical URL.
      reply.header('HX-Push-Url', auditUrl(query));
      return reply.view('audit/_results', data);
    }
    return reply.view('audit/list', data);
  });
}
