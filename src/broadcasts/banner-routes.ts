import type { FastifyInstance } from 'fastify';
import { requireAccount } from '../portal/guard.js';
import { dismissBanner } from './repository.js';

/**
 * The portal's side of broadcasts: a signed-in user dismisses a banner with a plain form post
 * (no script needed), and it stays hidden for them. The banners themselves are on /account.
 */
export default async function broadcastBannerRoutes(app: FastifyInstance) {
  app.decorateRequest('account');
  app.addHook('onRequest', requireAccount);

  app.post<{ Params: { id: string } }>('/account/broadcasts/:id/dismiss', async (request, reply) => {
    const id = Number(request.params.id);
    // Someone else's broadcast, or one already dismissed, changes nothing and says nothing.
    if (Number.isSafeInteger(id)) dismissBanner(app.db, request.account.id, id, new Date());
    return reply.code(303).redirect('/account');
  });
}
