import type { FastifyInstance } from 'fastify';
import { CONSOLE_TWO_STEP } from '../auth/require-admin.js';
import { requireAccount, TWO_STEP_PAGE } from '../portal/guard.js';
import { displayName } from '../users/derived-fields.js';
import twoStepAdminRoutes from './admin-routes.js';
import { enrolmentRoutes } from './enrolment-routes.js';

/** Registered inside the console's signed-in context. */
export async function consoleTwoStepRoutes(app: FastifyInstance) {
  await app.register(
    enrolmentRoutes({
      where: 'console',
      base: CONSOLE_TWO_STEP,
      back: { href: '/preferences', label: 'Back to your preferences' },
      who: (request) => request.actor,
      frame: () => ({}),
    }),
  );
  await app.register(twoStepAdminRoutes);
}

/** The portal's pages, behind the portal's own guard. */
export async function portalTwoStepRoutes(app: FastifyInstance) {
  app.decorateRequest('account');
  app.addHook('onRequest', requireAccount);
  await app.register(
    enrolmentRoutes({
      where: 'portal',
      base: TWO_STEP_PAGE,
      back: { href: '/account', label: 'Back to your account' },
      who: (request) => request.account,
      frame: (request) => ({
        portalAccount: { name: displayName(request.account), username: request.account.username },
      }),
    }),
  );
}
