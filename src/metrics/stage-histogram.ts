// A histogram kept as plain counters in a Redis hash, so any number of worker processes add to one
// and any api exports it. Pure: which field an observation increments, and the Prometheus values.

/** Seconds. A copied 720p clip takes ~1 s per stage here; a long re-encode or a slow site, many minutes. */
export const STAGE_DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;

/** The one bucket field an observation increments (non-cumulative: one HINCRBY per observation). */
export function bucketField(seconds: number, bounds: readonly number[] = STAGE_DURATION_BUCKETS): string {
  const bound = bounds.find((b) => seconds <= b);
  return `le:${bound === undefined ? '+Inf' : bound}`;
}

export interface HistogramValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * Prometheus histogram values (`_bucket` cumulative with `le`, `_sum`, `_count`) from a stored
 * hash. Missing fields count as zero, so a hash from older buckets still reads.
 */
export function histogramValues(
  name: string,
  labels: Record<string, string>,
  stored: Record<string, string>,
  bounds: readonly number[] = STAGE_DURATION_BUCKETS,
): HistogramValue[] {
  const values: HistogramValue[] = [];
  let cumulative = 0;
  for (const bound of bounds) {
    cumulative += Number(stored[`le:${bound}`] ?? 0);
    values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
  }
  const count = Number(stored.count ?? 0);
  values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
  values.push({ metricName: `${name}_sum`, labels, value: Number(stored.sum ?? 0) });
  values.push({ metricName: `${name}_count`, labels, value: count });
  return values;
}
