import { closeSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { usersCount } from '../text.js';
import path from 'node:path';
import type { JobLink } from '../jobs/board.js';
import { type JobContext, onlyIf } from '../jobs/job.js';
import { mayExport } from '../access/policy.js';
import { type ColumnKey, isColumnKey } from '../list/columns.js';
import { invalidFilterWords, listQueryFromString } from '../list/list-query.js';
import { JobRefusedError } from '../jobs/refused.js';
import { recordExport } from './export-users.js';
import { EXPORT_KEPT_MS, exportFile } from './files.js';
import { writeInTwoParts } from './two-part-export.js';

export const EXPORT_JOB = 'users.export';

export interface ExportJobParams {
  /** The list's query string: filters, search and sort. */
  query: string;
  columns: ColumnKey[];
  filename: string;
  back: JobLink;
}

/**
 * A large export, in the job process on its own connection: the file is written under DATA_DIR
 * as a part first and renamed once complete, so a download never gets half a file.
 */
export const EXPORT_HANDLERS = {
  [EXPORT_JOB]: onlyIf(
    mayExport,
    async ({ jobId, db, actor, params, requestId, progress, dataDir }: JobContext<ExportJobParams>) => {
      const query = listQueryFromString(params.query);
      if (query.invalidFilter) throw new JobRefusedError(invalidFilterWords(query.invalidFilter));
      const columns = params.columns.filter(isColumnKey);
      const file = exportFile(dataDir, jobId)!;
      const part = `${file}.part`;
      mkdirSync(path.dirname(file), { recursive: true });
      const fd = openSync(part, 'w', 0o600);
      let complete = false;
      let written: number;
      try {
        written = await writeInTwoParts({
          db,
          actor,
          queryString: params.query,
          query,
          columns,
          fd,
          file: part,
          // The count may be an estimate: the bar never runs past its end.
          progress: (done, total) => progress('Writing the file', done, Math.max(total, done)),
        });
        recordExport(db, actor, { count: written, query, ticked: false, columns }, requestId);
        complete = true;
      } finally {
        closeSync(fd);
        if (!complete) rmSync(part, { force: true });
      }
      renameSync(part, file);
      const kept = `It is kept for you for ${EXPORT_KEPT_MS / 3_600_000} hours.`;
      return {
        summary: {
          headline: `${usersCount(written)} exported to ${params.filename}. ${kept}`,
          counts: [{ label: 'Exported', value: written }],
          refused: [],
          refusedMore: 0,
          links: [{ label: `Download ${params.filename}`, href: `/exports/${jobId}` }, params.back],
        },
      };
    },
  ),
};
