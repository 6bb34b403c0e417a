import type { FastifyInstance } from 'fastify';
import { allowedIf } from '../access/guards.js';
import { mayEmail, PERMISSION_WORDS } from '../access/policy.js';
import { OutOfScopeError, readSelection } from '../bulk/selection.js';
import { mailConfigured } from '../settings/mail-settings.js';
import { compose } from './compose.js';

/**
 * The addresses of a Compose email (M3) as a text file, one a line, for a selection too large
 * for a mail link. The selection is worked out again, with scope, as on the page before.
 */
export default async function composeRoutes(app: FastifyInstance) {
  app.post<{ Body: Record<string, unknown> }>(
    '/users/bulk/compose/addresses',
    { preHandler: allowedIf(mayEmail, PERMISSION_WORDS.email) },
    async (request, reply) => {
      const selection = readSelection(request.body);
      const refuse = (error: string) =>
        reply.code(422).view('bulk/refused', { title: 'Nothing to download', error, back: '/users' });
      if ('error' in selection) return refuse(selection.error);
      if (!mailConfigured(app.db)) return refuse('Mail is not set up, so nothing can be sent.');
      let composition;
      try {
        composition = compose(app.db, request.actor, selection);
      } catch (err) {
        if (err instanceof OutOfScopeError) return refuse(err.message);
        throw err;
      }
      if (composition.overCap || composition.addresses.length === 0)
        return refuse('There are no addresses to download for this selection.');
      return reply
        .header('Content-Type', 'text/plain; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="addresses.txt"')
        .header('Cache-Control', 'no-store')
        .send(`${composition.addresses.join('\n')}\n`);
    },
  );
}
