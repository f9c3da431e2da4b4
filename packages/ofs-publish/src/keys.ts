/** Object key of a plan (written by plan resolution; publication re-asserts it write-once). */
export function planKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/plans/${planId}.json`;
}

/** Object key of a plan's label receipt. */
export function labelReceiptKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/labels/${planId}.json`;
}
