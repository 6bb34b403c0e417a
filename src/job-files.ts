import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import type { JobFiles } from './jobs/job-process.js';

/**
 * The module that registers every kind of job, named without loading it: the primary process
 * keeps the job process, and loading every feature there would only grow it. Beside this file,
 * with its extension (.ts from the sources, .js compiled).
 */
const HANDLERS_MODULE = new URL(`./job-handlers${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

/** What the job process needs to know: the same for the process that forks it, whichever that is. */
export function jobFiles(config: Config): JobFiles {
  return {
    databaseFile: config.databaseFile,
    boardFile: path.join(config.dataDir, 'jobs.db'),
    dataDir: config.dataDir,
    secret: config.sessionSecret,
    logLevel: config.logLevel,
    handlersModule: HANDLERS_MODULE,
    retireAboveMegabytes: config.jobProcessMegabytes,
  };
}
