import t from 'tap';
import { finishedJob, ticked } from '../helpers/bulk.js';
import { referenceId, signedInWithAnnAndBoss } from '../helpers/directory.js';
import { confirmImport, previewOf } from '../helpers/import.js';
import { childrenOf, jobProcessesOf } from '../helpers/processes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one job process, once only one is left (a replaced one ends while the next starts). */
async function theJobProcess(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const found = jobProcessesOf(process.pid);
    if (found.length === 1) return found[0]!.pid;
    await sleep(25);
  }
  throw new Error(`expected one job process, found ${JSON.stringify(childrenOf(process.pid))}`);
}

/** Waits until the job process is another than `pid`; fails the test when it stays the same. */
async function replacedAfter(pid: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const now = await theJobProcess();
    if (now !== pid) return now;
    await sleep(25);
  }
  throw new Error('the job process was not replaced');
}

t.test('a job process holding more than JOB_PROCESS_MEGABYTES after a job is replaced by a fresh one', async (t) => {
  // One megabyte: every job process holds more, so each job is followed by a new process.
  const { app, browser, ann, db } = await signedInWithAnnAndBoss(t, { jobProcessMegabytes: 1 });
  await browser.get('/users');
  const blocked = () => db.$client.prepare('select blocked from users where id = ?').pluck().get(ann.id);

  const first = await finishedJob(app, browser, await browser.post('/users/bulk/apply', ticked('block', ann.id)));
  t.equal(first.job.state, 'done');
  t.equal(blocked(), 1, 'the job did its work');
  const firstProcess = await theJobProcess();

  const second = await finishedJob(app, browser, await browser.post('/users/bulk/apply', ticked('unblock', ann.id)));
  t.equal(second.job.state, 'done', 'the next job runs in the process started in its place');
  t.equal(blocked(), 0);
  const secondProcess = await replacedAfter(firstProcess);
  t.not(secondProcess, firstProcess, 'a fresh process after the job');
  t.match(second.page.body, /<dt>Changed<\/dt><dd>1<\/dd>/, 'the summary is shown as always');
});

t.test('an import’s check stays in its process for the write, which then lets the process go', async (t) => {
  const { app, browser, db } = await signedInWithAnnAndBoss(t, { jobProcessMegabytes: 1 });
  referenceId(db, 'user_types', 'Employee');
  await browser.get('/users/import');
  const { location, page } = await previewOf(app, browser, 'Last Name,First Name,User Type\r\nHolm,Eva,Employee\r\n');
  t.match(page.body, /<strong>1 user<\/strong> will be created/);
  const checking = await theJobProcess();
  // Had it let the check go, the process would be replaced at once: give it ample time to.
  await sleep(500);
  t.equal(await theJobProcess(), checking, 'the process that checked the rows is kept');

  const { job } = await finishedJob(app, browser, await confirmImport(browser, location));
  t.equal(job.state, 'done', job.error ?? '');
  t.equal(db.$client.prepare("select count(*) from users where last_name = 'Holm'").pluck().get(), 1);
  t.not(await replacedAfter(checking), checking, 'after the write the process is replaced');
});

t.test('a job process that ends with work queued fails that work in words, and changes nothing', async (t) => {
  const { app, browser, ann, db } = await signedInWithAnnAndBoss(t);
  await browser.get('/users');
  // Not warmed: the process is still loading when it is ended, so the job cannot have run.
  const started = await browser.post('/users/bulk/apply', ticked('block', ann.id));
  t.equal(started.statusCode, 303);
  for (const { pid } of jobProcessesOf(process.pid)) process.kill(pid, 'SIGKILL');
  const id = String(started.headers.location).slice('/jobs/'.length);
  await app.jobs.runner.finished(id);
  const job = app.jobs.board.get(id)!;
  t.equal(job.state, 'failed');
  t.equal(job.error, 'The work stopped unexpectedly. Nothing was changed.');
  t.equal(db.$client.prepare('select blocked from users where id = ?').pluck().get(ann.id), 0, 'Ann is not blocked');
  const page = await browser.get(`/jobs/${id}`);
  t.match(page.body, /The work stopped unexpectedly\. Nothing was changed\./, 'the job page says so');

  const next = await finishedJob(app, browser, await browser.post('/users/bulk/apply', ticked('block', ann.id)));
  t.equal(next.job.state, 'done', 'the next job starts a new process and runs');
});
