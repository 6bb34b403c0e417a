import { JobBoard } from '../../src/jobs/board.js';

/** Opens the job board at the path given, as each worker does at start-up, and closes it. */
new JobBoard(process.argv[2]!, 'a secret long enough for the test').close();
