import { readdirSync, readFileSync } from 'node:fs';

/**
 * The anonymous memory of a process group: what its processes hold of their own (heaps, SQLite's
 * page caches), without the pages mapped from files (the database file SQLite maps, program
 * code), which the kernel can drop and read again at any time. Linux only: it reads /proc.
 */
function anonymousBytes(processGroup: number): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The process group is the fifth field of stat, after the name in parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== processGroup) continue;
      const anon = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      total += Number(anon?.[1] ?? 0) * 1024;
    } catch {
      // The process ended while it was being read.
    }
  }
  return total;
}

/** Samples a process group's anonymous memory until stopped; resolves to the highest seen, in bytes. */
export function watchMemory(processGroup: number, everyMs = 100): { stop(): number } {
  let peak = anonymousBytes(processGroup);
  const timer = setInterval(() => {
    peak = Math.max(peak, anonymousBytes(processGroup));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, anonymousBytes(processGroup));
    },
  };
}
