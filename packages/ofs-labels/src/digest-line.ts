import type { ResolvedLabel } from '@ofs/contracts';
import { canonicalNumber, canonicalString } from '@ofs/ids';

function encodeValue(value: ResolvedLabel['value']): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return canonicalString(value);
  if (typeof value === 'number') return canonicalNumber(value);
  return value ? 'true' : 'false';
}

/**
 * One line of the resolved digest (recipe `ofs.labels.resolved_digest.v1`): the canonical JSON of
 * `[event_id, mature, status₁, value₁, assertion_id₁, …]` plus `\\n`, written without building the
 * array (equal to `canonicalJson` of it; tested).
 */
export function resolvedDigestLine(eventId: string, mature: boolean, labels: readonly ResolvedLabel[]): string {
  let line = `[${canonicalString(eventId)},${mature ? 'true' : 'false'}`;
  for (const label of labels) {
    line += `,"${label.status}",${encodeValue(label.value)},${label.assertion_id === null ? 'null' : canonicalString(label.assertion_id)}`;
  }
  return `${line}]\n`;
}
