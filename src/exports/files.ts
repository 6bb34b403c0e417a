import { mkdirSync } from 'node:fs';
import { keptFile, removeOlderThan } from '../kept-files.js';
import path from 'node:path';

/**
 * Export files on disk: DATA_DIR/exports/<job id>.csv, one per finished export job. They hold
 * personal data, so they are kept only as long as an administrator plausibly needs to fetch
 * the file, then removed, and only the administrator who ran the export may download one.
 */

/** How long a finished export stays downloadable. */
export const EXPORT_KEPT_MS = 24 * 3_600_000;

/** A job id as the board makes them (a UUID): nothing else ever becomes part of a path. */
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function exportsDir(dataDir: string): string {
  return path.join(dataDir, 'exports');
}

/** Where a job's export lives; undefined for anything that is not a job id. */
export function exportFile(dataDir: string, jobId: string): string | undefined {
  return JOB_ID.test(jobId) ? path.join(exportsDir(dataDir), `${jobId}.csv`) : undefined;
}

/** The job's file while it is still kept: written in full (never a part) and not yet expired. */
export function keptExport(dataDir: string, jobId: string, now = Date.now()): string | undefined {
  const file = exportFile(dataDir, jobId);
  return file && keptFile(file, EXPORT_KEPT_MS, now);
}

/** Removes exports older than EXPORT_KEPT_MS, and parts a stopped job left behind; returns how many. */
export function removeExpiredExports(dataDir: string, now = Date.now()): number {
  const dir = exportsDir(dataDir);
  mkdirSync(dir, { recursive: true });
  return removeOlderThan(dir, EXPORT_KEPT_MS, now);
}
