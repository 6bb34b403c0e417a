import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * A strict Content-Security-Policy: scripts and styles only from our own origin, no inline
 * script and no eval (htmx runs without either because no template uses hx-on or js:).
 */
export default fp(async (app) => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    frameguard: { action: 'deny' },
    // A plain-HTTP install on a private network must keep working: HSTS only over HTTPS, below.
    strictTransportSecurity: false,
  });

  // Over HTTPS (behind a TLS proxy that TRUST_PROXY lets us believe), browsers are told to
  // never use plain HTTP for this site again, so no one on the way can strip the encryption.
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('Strict-Transport-Security', HSTS);
  });
});
