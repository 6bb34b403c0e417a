import helmet from '@fastify/helmet';
import fp from 'fastify-plugin';

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
    // Mixed-content upgrades and HSTS belong to the TLS-terminating proxy, not to a plain-HTTP install.
    strictTransportSecurity: false,
  });
});
