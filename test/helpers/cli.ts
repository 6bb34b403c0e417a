import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts one of Roster's entry points (src/cli/*.ts, src/server.ts) as its own process, the
 * way an operator runs it.
 */
export function start(script: string, args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    // tap would record the child's coverage too, but through tsx's transform it lands on the wrong
    // lines of the shared src/ files and skews the report: only the test process counts.
    env: { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...env },
  });
}

/** Runs a command to its end, feeding it `stdin`, and collects what it printed. */
export function run(script: string, args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = start(script, args, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
