import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { usersCount } from '../text.js';
import path from 'node:path';
import type { JobLink } from '../jobs/board.js';
import { type JobContext, onlyIf } from '../jobs/job.js';
import { mayExport } from '../access/policy.js';
import { type ColumnKey, isColumnKey } from '../list/columns.js';
import { invalidFilterWords, listQueryFromString } from '../list/list-query.js';
import { JobRefusedError } from '../jobs/refused.js';
import { planList } from '../list/list-repository.js';
import { csvChunks, recordExport } from './export-users.js';
import { EXPORT_KEPT_MS, exportFile } from './files.js';

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
    ({ jobId, db, actor, params, requestId, progress, dataDir }: JobContext<ExportJobParams>) => {
      const query = listQueryFromString(params.query);
      if (query.invalidFilter) throw new JobRefusedError(invalidFilterWords(query.invalidFilter));
      const columns = params.columns.filter(isColumnKey);
      const file = exportFile(dataDir, jobId)!;
      const part = `${file}.part`;
      mkdirSync(path.dirname(file), { recursive: true });
      const fd = openSync(part, 'w', 0o600);
      let written = 0;
      let complete = false;
      try {
        // One read transaction: every batch sees the same snapshot, so a user renamed while the
        // file is written is neither skipped nor written twice as the keyset moves past them.
        db.transaction((tx) => {
          const plan = planList(tx, actor, query);
          for (const chunk of csvChunks(tx, plan, query, columns)) {
            writeSync(fd, chunk.text);
            written += chunk.rows;
            // The count may be an estimate: the bar never runs past its end.
            progress('Writing the file', written, Math.max(plan.count.value, written));
          }
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
