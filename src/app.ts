import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import auditRoutes from './audit/routes.js';
import authRoutes from './auth/routes.js';
import { requireAdmin } from './auth/require-admin.js';
import type { Config } from './config.js';
import { migrateDatabase, openDatabase } from './db/connection.js';
import healthRoutes from './health/routes.js';
import { WriteProbe } from './health/write-probe.js';
import homeRoutes from './home/routes.js';
import errors from './plugins/errors.js';
import rateLimit from './plugins/rate-limit.js';
import securityHeaders from './plugins/security-headers.js';
import sessions from './plugins/sessions.js';
import views from './plugins/views.js';
import { FirstRun, newSetupToken } from './setup/first-run.js';
import portalRoutes from './portal/routes.js';
import setPasswordRoutes from './portal/set-password-routes.js';
import forgotPasswordRoutes from './portal/forgot-password-routes.js';
import setupRoutes from './setup/routes.js';
import { superuserExists } from './access/actor.js';
import userListRoutes from './list/routes.js';
import oneUserRoutes from './user/routes.js';
import accessRoutes from './user/access-routes.js';
import trashRoutes from './trash/routes.js';
import bulkRoutes from './bulk/routes.js';
import composeRoutes from './mail/routes.js';
import importRoutes from './imports/routes.js';
import { JobBoard } from './jobs/board.js';
import jobRoutes from './jobs/routes.js';
import exportRoutes from './exports/routes.js';
import { JobRunner } from './jobs/runner.js';
import { JobProcess } from './jobs/job-process.js';
import { throughPrimary } from './jobs/relay.js';
import { jobFiles } from './job-files.js';
import { Outbox } from './mail/queue.js';
import { MailSender } from './mail/sender.js';
import mailSettingsRoutes from './settings/routes.js';
import administratorRoutes from './admins/routes.js';
import referenceListRoutes from './reference/routes.js';
import { smtpPasswordSealer } from './settings/mail-settings.js';
import preferenceRoutes from './preferences/routes.js';
import directoryRoutes from './directory/routes.js';
import directoryImportRoutes from './directory/import-routes.js';
import { bindPasswordSealer } from './directory/directory-settings.js';
import { DirectorySync } from './directory/sync.js';
import secondStepRoutes from './two-step/signin-routes.js';
import { consoleTwoStepRoutes, portalTwoStepRoutes } from './two-step/routes.js';
import licenceRoutes from './licences/routes.js';
import databaseAccessRoutes from './databases/routes.js';
import broadcastRoutes from './broadcasts/routes.js';
import broadcastBannerRoutes from './broadcasts/banner-routes.js';
import { BroadcastSender } from './broadcasts/sending.js';
import cluster from 'node:cluster';

/**
 * Builds the whole application on a migrated database: cross-cutting plugins first, then the
 * public routes, then every feature behind the sign-in guard. Tests call this directly.
 */
export interface BuildOptions {
  logStream?: Writable;
  /**
   * The first-run setup token. Worker processes are handed the one their primary printed;
   * left out, a new one is made when the database has no superuser yet.
   */
  setupToken?: string | null;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel, stream: options.logStream },
    trustProxy: config.trustProxy,
    genReqId: () => randomUUID().slice(0, 8),
  });

  // Every route, as registered: a test holds each against the access policy's table.
  const routes: string[] = [];
  app.decorate('routeList', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
  });

  const db = openDatabase(config.databaseFile);
  migrateDatabase(db);
  app.decorate('db', db);
  app.decorate('config', config);
  app.decorate('writeProbe', new WriteProbe(db.$client, config.dataDir));
  const needsSetup = () => !superuserExists(db);
  const token = options.setupToken !== undefined ? options.setupToken : needsSetup() ? newSetupToken() : null;
  app.decorate('firstRun', new FirstRun(token, needsSetup));
  app.decorateRequest('actor');
  const files = jobFiles(config);
  // With several workers, the job process is the primary's (jobs/relay.ts): a job lives as long as it does.
  const relayed = cluster.isWorker;
  const board = new JobBoard(files.boardFile, config.sessionSecret, relayed ? process.ppid : process.pid);
  const runner = new JobRunner(board, (events) =>
    relayed ? throughPrimary(events) : new JobProcess(files, app.log, events),
  );
  app.decorate('jobs', { board, runner });
  const outbox = new Outbox(config.sessionSecret);
  const smtpSealer = smtpPasswordSealer(config.sessionSecret);
  const sender = new MailSender(db, outbox, smtpSealer, app.log);
  app.decorate('mail', { outbox, sender, smtpSealer });
  const directorySealer = bindPasswordSealer(config.sessionSecret);
  const directorySync = new DirectorySync(db, directorySealer, app.log);
  app.decorate('directory', { sealer: directorySealer, sync: directorySync });
  const broadcastSender = new BroadcastSender(db, outbox, app.log);
  app.decorate('broadcasts', { sender: broadcastSender });
  app.addHook('onClose', async () => {
    await broadcastSender.stop();
    await sender.stop();
    await directorySync.stop();
    await runner.close();
    board.close();
    db.$client.close();
  });

  await app.register(formbody);
  await app.register(securityHeaders);
  await app.register(views);
  await app.register(sessions);
  await app.register(rateLimit);
  await app.register(errors);

  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(setupRoutes);
  // The account portal has its own sign-in and guard: managed users never hold an admin session.
  await app.register(portalRoutes);
  await app.register(setPasswordRoutes);
  await app.register(secondStepRoutes);
  await app.register(portalTwoStepRoutes);
  await app.register(broadcastBannerRoutes);
  await app.register(forgotPasswordRoutes);

  await app.register(async (admin) => {
    admin.addHook('onRequest', requireAdmin);
    await admin.register(homeRoutes);
    await admin.register(userListRoutes);
    await admin.register(oneUserRoutes);
    await admin.register(accessRoutes);
    await admin.register(trashRoutes);
    await admin.register(auditRoutes);
    await admin.register(bulkRoutes);
    await admin.register(composeRoutes);
    await admin.register(exportRoutes);
    await admin.register(importRoutes);
    await admin.register(jobRoutes);
    await admin.register(mailSettingsRoutes);
    await admin.register(administratorRoutes);
    await admin.register(referenceListRoutes);
    await admin.register(preferenceRoutes);
    await admin.register(directoryRoutes);
    await admin.register(directoryImportRoutes);
    await admin.register(consoleTwoStepRoutes);
    await admin.register(licenceRoutes);
    await admin.register(databaseAccessRoutes);
    await admin.register(broadcastRoutes);
  });

  return app;
}
