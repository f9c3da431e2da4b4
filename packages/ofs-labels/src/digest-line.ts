import type { ResolvedLabel } from '@ofs/contracts';
import { canonicalNumber, canonicalString } from '@ofs/ids';

// Printable ASCII without `"` and `\`: canonical JSON writes such strings verbatim between quotes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function pushString(parts: string[], text: string): void {
  if (PLAIN.test(text)) parts.push('"', text, '"');
  else parts.push(canonicalString(text));
}

function pushValue(parts: string[], value: ResolvedLabel['value']): void {
  if (value === null) parts.push('null');
  else if (typeof value === 'string') pushString(parts, value);
  else if (typeof value === 'number') parts.push(canonicalNumber(value));
  else parts.push(value ? 'true' : 'false');
}

/**
 * Appends one line of the resolved digest (recipe `ofs.labels.resolved_digest.v1`) to `parts`:
 * the canonical JSON of `[event_id, mature, status₁, value₁, assertion_id₁, …]` plus `\n`. Pieces
 * are pushed, not concatenated, so a batch joins them once (fewer short-lived strings).
 */
export function pushResolvedDigestLine(parts: string[], eventId: string, mature: boolean, labels: readonly ResolvedLabel[]): void {
  parts.push('[');
  pushString(parts, eventId);
  parts.push(mature ? ',true' : ',false');
  for (const label of labels) {
    parts.push(',"', label.status, '",');
    pushValue(parts, label.value);
    parts.push(',');
    if (label.assertion_id === null) parts.push('null');
    else pushString(parts, label.assertion_id);
  }
  parts.push(']\n');
}

/** One line of the resolved digest as a string (equal to `canonicalJson` of the array plus `\n`; tested). */
export function resolvedDigestLine(eventId: string, mature: boolean, labels: readonly ResolvedLabel[]): string {
  const parts: string[] = [];
  pushResolvedDigestLine(parts, eventId, mature, labels);
  return parts.join('');
}
