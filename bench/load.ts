import autocannon from 'autocannon';

export interface LoadResult {
  requests: number;
  /** Mean of the per-second request counts. */
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Percentiles of the responses that arrived between two moments (performance.now()). */
  between(from: number, to: number): { requests: number; p50: number; p95: number; p99: number };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Drives one URL with autocannon. Its own summary stops at p90 and p97.5, so the latency of
 * every response is kept here and the percentiles are read from that exact distribution.
 */
export function drive(
  url: string,
  cookie: string,
  seconds: number,
  connections: number,
  options: {
    /** Requests per second across all connections; as fast as the server answers when left out. */
    overallRate?: number;
    /**
     * Sends `Cache-Control: no-cache`, as a hard reload does, so the server renders every page
     * afresh instead of replying with the page it kept while nothing changed.
     */
    fresh?: boolean;
  } = {},
): Promise<LoadResult> {
  const latencies: number[] = [];
  /** When each response arrived (performance.now()), beside its latency. */
  const arrivals: number[] = [];
  return new Promise((resolve, reject) => {
    const settings = {
      url,
      connections,
      duration: seconds,
      headers: { cookie, ...(options.fresh ? { 'cache-control': 'no-cache' } : {}) },
      ...(options.overallRate ? { overallRate: options.overallRate } : {}),
    };
    const instance = autocannon(settings, (err, result) => {
      if (err) return reject(err);
      const sorted = Float64Array.from(latencies).sort();
      resolve({
        requests: result.requests.total,
        rps: result.requests.average,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        between: (from, to) => {
          const inside = Float64Array.from(
            latencies.filter((_, i) => arrivals[i]! >= from && arrivals[i]! <= to),
          ).sort();
          return {
            requests: inside.length,
            p50: percentile(inside, 50),
            p95: percentile(inside, 95),
            p99: percentile(inside, 99),
          };
        },
      });
    });
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      arrivals.push(performance.now());
    });
  });
}
