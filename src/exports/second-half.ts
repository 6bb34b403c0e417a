import { openSync, closeSync, writeSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { activeAdministrator } from '../access/actor.js';
import { openDatabase } from '../db/connection.js';
import { listQueryFromString } from '../list/list-query.js';
import { planList } from '../list/list-repository.js';
import { csvChunks } from './export-users.js';
import { SIGNAL, STAGE, type SecondHalfData, type SecondHalfStart } from './two-part-export.js';

/**
 * The thread that writes the second half of a large export (see two-part-export.ts): it opens
 * its own connection, waits until the first half holds the write lock, starts its read
 * transaction then, so both halves read the same snapshot, and writes its rows to a file of
 * its own, counting them where the first half can see.
 */
const { databaseFile, actorId, query, columns, file, signals, port } = workerData as SecondHalfData;
const state = new Int32Array(signals);
const signal = (stage: number) => {
  Atomics.store(state, SIGNAL.stage, stage);
  Atomics.notify(state, SIGNAL.stage);
};

try {
  const db = openDatabase(databaseFile);
  parentPort!.postMessage('ready');
  Atomics.wait(state, SIGNAL.stage, STAGE.starting);
  const { after } = receiveMessageOnPort(port)!.message as SecondHalfStart;
  if (after) {
    const fd = openSync(file, 'w', 0o600);
    try {
      db.transaction((tx) => {
        // The first read fixes the snapshot; the first half releases the write lock once it is fixed.
        const actor = activeAdministrator(tx, actorId);
        signal(STAGE.reading);
        if (!actor) throw new Error('The administrator who asked for the export is gone.');
        const listQuery = listQueryFromString(query);
        for (const chunk of csvChunks(tx, planList(tx, actor, listQuery), listQuery, columns, { after })) {
          writeSync(fd, chunk.text);
          Atomics.add(state, SIGNAL.written, chunk.rows);
        }
      });
    } finally {
      closeSync(fd);
    }
  }
  db.$client.close();
  signal(STAGE.done);
} catch (err) {
  signal(STAGE.failed);
  throw err;
}
