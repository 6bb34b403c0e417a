import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunningServer {
  baseUrl: string;
  /** The server's process group: its primary, the workers and the job process. */
  processGroup: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  probe.close();
  if (address === null || typeof address === 'string') throw new Error('Could not find a free port');
  return address.port;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = sleep(STOP_TIMEOUT_MS).then(() => 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    console.error(`The server did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM; killing it`);
    // The whole process group: a worker busy in a long transaction would outlive its primary.
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
}

/**
 * Runs the real server, as in production (compiled, from dist/), in a process of its own: the
 * load generator then does not share its event loop with the code it measures.
 */
export async function startServer(repoRoot: string, dataDir: string): Promise<RunningServer> {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: repoRoot, stdio: 'inherit' });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      // Sign-ins are few, but a limit of 20 a minute would trip over repeated runs.
      SIGNIN_RATE_LIMIT: '10000',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
    // A process group of its own, so stopping it reaches the worker processes too.
    detached: true,
  });
  const stop = () => stopChild(child);

  let exitedEarly = false;
  child.once('exit', () => {
    exitedEarly = true;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitedEarly)
      throw new Error(`The server exited during start-up (code ${child.exitCode}, signal ${child.signalCode})`);
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      await res.arrayBuffer();
      if (res.ok) return { baseUrl, processGroup: child.pid!, stop };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`The server did not answer /healthz within ${START_TIMEOUT_MS / 1000} s`);
}
