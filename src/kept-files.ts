import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Files kept for a while under the data directory (uploaded imports, finished exports): they
 * hold personal data, so each is readable only while young enough and then removed. Several
 * processes may sweep the same folder at once: a file or folder gone meanwhile is skipped.
 */

/** The file, while it exists and was written less than `keptMs` ago. */
export function keptFile(file: string, keptMs: number, now = Date.now()): string | undefined {
  const written = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  return written !== undefined && written > now - keptMs ? file : undefined;
}

/** Removes every file in `dir` and its folders written `keptMs` ago or earlier; returns how many. */
export function removeOlderThan(dir: string, keptMs: number, now = Date.now()): number {
  let removed = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) removed += removeOlderThan(file, keptMs, now);
    else {
      const written = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
      if (written === undefined || written > now - keptMs) continue;
      rmSync(file, { force: true });
      removed++;
    }
  }
  return removed;
}
