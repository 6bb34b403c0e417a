import { BULK_HANDLERS } from './bulk/handlers.js';
import { EXPORT_HANDLERS } from './exports/handlers.js';
import { IMPORT_HANDLERS } from './imports/handlers.js';
import { registerJobHandlers } from './jobs/job.js';
import { LIST_HANDLERS } from './reference/handlers.js';
import { MAIL_HANDLERS } from './mail/handlers.js';
import { TRASH_HANDLERS } from './trash/handlers.js';

/**
 * Every kind of job, registered with the job runner. Importing this module registers them: the
 * job process loads it by the address job-files.ts gives.
 */
registerJobHandlers({
  ...BULK_HANDLERS,
  ...EXPORT_HANDLERS,
  ...IMPORT_HANDLERS,
  ...LIST_HANDLERS,
  ...MAIL_HANDLERS,
  ...TRASH_HANDLERS,
});
