import type { FastifyInstance } from 'fastify';

/**
 * Makes the application's database behave as on a full disk, without filling a real one: the
 * connection may not grow the file past its present size (SQLite's max_page_count), and the
 * room left inside its pages is used up, so the next write that needs space fails with
 * SQLITE_FULL exactly as it would when the disk is full. Returns what frees the space again.
 */
export function fillTheDisk(app: FastifyInstance): () => void {
  const sqlite = app.db.$client;
  sqlite.exec('create table disk_filler (bytes blob)');
  sqlite.pragma(`max_page_count = ${sqlite.pragma('page_count', { simple: true })}`);
  const fill = (insert: string) => {
    try {
      for (;;) sqlite.prepare(insert).run();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_FULL') throw error;
    }
  };
  fill('insert into disk_filler values (randomblob(1000))');
  fill('insert into disk_filler values (randomblob(10))');
  // Sessions are the first thing a visit writes: leave no room in their pages either.
  fill("insert into sessions values ('filler-' || hex(randomblob(8)), null, '', 0)");
  return () => sqlite.pragma('max_page_count = 1073741823');
}
