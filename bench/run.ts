import os from 'node:os';
import path from 'node:path';
import { type QueryClass, queryClasses } from './classes.js';
import { benchOptions } from './config.js';
import { databaseBytes, prepareDatabase } from './database.js';
import { getPage, matchCount, signIn } from './http.js';
import { drive, type LoadResult } from './load.js';
import { PlanCacheClock } from './plan-cache.js';
import { machineLine, missedTargets, type Row, textTable, writeResults } from './report.js';
import { type RunningServer, startServer } from './server.js';
import { measureBulk, measureExport } from './bulk.js';
import { watchMemory } from './memory.js';
import { measureImport } from './import.js';

const PRIMER_PATH = '/users?licence=viewer';
const PAUSE_BEFORE_IMPORT_MS = 5_000;

function checkAllOk(label: string, phase: string, load: LoadResult): void {
  if (load.non2xx > 0 || load.errors > 0 || load.timeouts > 0) {
    throw new Error(
      `${label} (${phase}): ${load.non2xx} non-2xx responses, ${load.errors} errors, ${load.timeouts} timeouts out of ${load.requests} requests`,
    );
  }
}

async function main(): Promise<void> {
  const options = benchOptions();
  const loadBefore = os.loadavg();
  console.log(machineLine().join(' · '));
  console.log(`Data directory: ${options.dataDir}`);
  const data = await prepareDatabase(options);
  console.log(
    `${data.managedUsers.toLocaleString('en')} managed users; bench account: ${data.admin}; SQLite ${data.sqliteVersion}`,
  );

  let server: RunningServer | undefined;
  const stopOnSignal = async () => {
    await server?.stop();
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  try {
    server = await startServer(options.repoRoot, options.dataDir);
    const { baseUrl } = server;
    const cookie = await signIn(baseUrl, options.credentials);
    console.log(`Server at ${baseUrl}, signed in as ${options.credentials.username}`);

    const clock = new PlanCacheClock();
    const probe = {
      page: async (p: string) => {
        const page = await getPage(baseUrl, p, cookie);
        clock.used(p);
        return page;
      },
      coldPage: async (p: string) => {
        const waited = await clock.waitUntilCold(p);
        if (waited > 0) console.log(`  (waited ${(waited / 1000).toFixed(1)} s for the server's plan cache to expire)`);
        return probe.page(p);
      },
    };
    // The server's first list render compiles its templates: done on a list no class uses, so
    // that one-off cost does not land on the first class's first request.
    const primer = await getPage(baseUrl, PRIMER_PATH, cookie);
    if (primer.status !== 200) throw new Error(`GET ${PRIMER_PATH} answered ${primer.status}, not 200`);
    const notes: string[] = [
      `Before the first class, the server rendered ${PRIMER_PATH} once (${primer.ms.toFixed(0)} ms), so template compilation is not counted in any first request.`,
    ];
    const rows: Row[] = [];
    for (const cls of queryClasses(data.supervisorId)) rows.push(await measure(cls));

    async function measure(cls: QueryClass): Promise<Row> {
      console.log(`${cls.label}…`);
      const resolved = await cls.resolve(probe);
      if (resolved.note) notes.push(resolved.note);
      const cold = resolved.cold ?? (await probe.coldPage(resolved.path));
      if (cold.status !== 200) throw new Error(`${cls.label}: GET ${resolved.path} answered ${cold.status}, not 200`);
      const count = matchCount(cold.html);
      const url = baseUrl + resolved.path;

      const settings = { fresh: cls.fresh };
      const warmup = await drive(url, cookie, options.warmupSeconds, options.connections, settings);
      checkAllOk(cls.label, 'warm-up', warmup);
      const load = await drive(url, cookie, options.seconds, options.connections, settings);
      clock.used(resolved.path);
      checkAllOk(cls.label, 'measured run', load);
      return {
        label: cls.label,
        path: resolved.path,
        judged: cls.judged,
        minRps: cls.minRps,
        matches: count ? `${count.exact ? '' : 'about '}${count.value.toLocaleString('en')}` : '?',
        firstMs: cold.ms,
        load,
      };
    }

    console.log();
    console.log(textTable(rows));
    console.log();
    console.log(
      `${options.connections} connections over loopback, ${options.warmupSeconds} s warm-up then ${options.seconds} s per class. ` +
        'First ms: the first request of each class, sent when the server held no cached plan for its filters ' +
        '(a list plan is let go after 10 s unused); file and page caches were warm.',
    );
    for (const note of notes) console.log(note);
    console.log('Bulk actions…');
    const bulk = await measureBulk(server, options.dataDir, cookie, options.connections);
    for (const line of bulk.lines) console.log(line.replace(/\*\*/g, ''));
    // The serving processes keep the heap the list load grew them to; the export is measured on
    // a server started afresh, and what the load left is said beside it.
    const loadedMb = watchMemory(server.processGroup).stop() / 1024 / 1024;
    await server.stop();
    server = await startServer(options.repoRoot, options.dataDir);
    const freshCookie = await signIn(server.baseUrl, options.credentials);
    console.log('Export…');
    const exported = await measureExport(server, freshCookie);
    exported.lines.push(
      `After the list and bulk loads above, before it was restarted, the server held ${loadedMb.toFixed(0)} MB of anonymous memory.`,
    );
    for (const line of exported.lines) console.log(line.replace(/\*\*/g, ''));
    // A person choosing the file to import takes a few seconds. After the export, the job
    // process moves the log left by the bulk actions into the database and is replaced by a
    // fresh one (see jobs/job-process.ts); the import starts once that is done, as it would.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_BEFORE_IMPORT_MS));
    console.log('CSV import…');
    const imported = await measureImport(server.baseUrl, options.dataDir, freshCookie);
    console.log(imported.line.replace(/\*\*/g, ''));
    const missed = [...missedTargets(rows).map((r) => r.label), ...bulk.missed, ...exported.missed, ...imported.missed];
    console.log(missed.length === 0 ? 'All targets met.' : `Targets missed: ${missed.join('; ')}`);

    const file = path.join(options.repoRoot, 'bench', 'RESULTS.md');
    writeResults(file, rows, {
      date: new Date(),
      sqliteVersion: data.sqliteVersion,
      managedUsers: data.managedUsers,
      databaseBytes: databaseBytes(options.dataDir),
      seedSeconds: data.seedSeconds,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      connections: options.connections,
      loadBefore,
      notes,
      bulk: [...bulk.lines, ...exported.lines, imported.line],
      missed,
    });
    console.log(`Wrote ${path.relative(process.cwd(), file)}`);
  } finally {
    await server?.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? `Bench failed: ${err.message}` : err);
  process.exitCode = 1;
});
