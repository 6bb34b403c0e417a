import { simpleParser, type ParsedMail } from 'mailparser';
import { createServer } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { FastifyInstance } from 'fastify';
import { saveMailSettings } from '../../src/settings/mail-settings.js';

/** The smallest shape of a tap test this helper needs: somewhere to register clean-up. */
interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestSmtpServer {
  port: number;
  /** Every message that arrived, parsed, in order. */
  received: ParsedMail[];
  close(): Promise<void>;
}

/** A port nothing listens on (for now): for a server that is down, and started there later. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * A real SMTP server on loopback, which Roster reaches through nodemailer over a socket as it
 * would reach any other. With `login`, it accepts only that user name and password; mail to
 * `refuse` is turned away as a server does for an unknown mailbox.
 */
export async function startSmtpServer(
  t: Teardown,
  options: { port?: number; login?: { username: string; password: string }; refuse?: string } = {},
): Promise<TestSmtpServer> {
  const received: ParsedMail[] = [];
  const { login } = options;
  const server = new SMTPServer({
    disabledCommands: login ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    allowInsecureAuth: true,
    authOptional: !login,
    logger: false,
    onAuth(auth, _session, callback) {
      if (login && auth.username === login.username && auth.password === login.password)
        return callback(null, { user: auth.username });
      return callback(new Error('Invalid user name or password'));
    },
    onRcptTo(address, _session, callback) {
      if (address.address === options.refuse) {
        return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
      }
      return callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => received.push(mail))
        .then(() => callback(), callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  let closed = false;
  const close = () => {
    if (closed) return Promise.resolve();
    closed = true;
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  t.teardown(close);
  return { port, received, close };
}

export const EXTERNAL_URL = 'https://roster.example.com';

/** Points the app's mail at a local server, without a password, as a superuser would on the settings page. */
export function useSmtpServer(app: FastifyInstance, port: number, adminId: number): void {
  saveMailSettings(
    app.db,
    app.mail.smtpSealer,
    {
      host: '127.0.0.1',
      port,
      security: 'none',
      username: '',
      password: { keep: true },
      fromAddress: 'roster@example.com',
      externalUrl: EXTERNAL_URL,
    },
    { id: adminId, name: 'Ada Admin' },
  );
}
