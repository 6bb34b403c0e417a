import { readdirSync, readFileSync } from 'node:fs';

/** The processes whose parent is this one, with the command line each runs. Linux: it reads /proc. */
export function childrenOf(pid: number): { pid: number; command: string }[] {
  return readdirSync('/proc').flatMap((entry) => {
    if (!/^\d+$/.test(entry)) return [];
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The parent is the second field after the name in parentheses.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) return [];
      return [{ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') }];
    } catch {
      return []; // ended meanwhile
    }
  });
}

/** The job processes this process started (src/jobs/worker.ts). */
export const jobProcessesOf = (pid: number) => childrenOf(pid).filter((c) => c.command.includes('jobs/worker'));
