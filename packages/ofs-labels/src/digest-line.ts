import type { ResolvedLabel } from '@ofs/contracts';
import { canonicalNumber, canonicalString, utf8 } from '@ofs/ids';
import type { DigestWriter } from './digest-writer.js';

// Printable ASCII without `"` and `\`: canonical JSON writes such strings verbatim between quotes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The canonical JSON of a string. */
export function jsonString(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : canonicalString(text);
}

function jsonValue(value: ResolvedLabel['value']): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return jsonString(value);
  if (typeof value === 'number') return canonicalNumber(value);
  return value ? 'true' : 'false';
}

/** `labelDigestFragment` of the `UNLABELLED` label. */
export const UNLABELLED_FRAGMENT = ',"UNLABELLED",null,null';
/** `labelDigestFragment` of the `CONFLICT` label. */
export const CONFLICT_FRAGMENT = ',"CONFLICT",null,null';

/**
 * One label's piece of a resolved-digest line: `,"STATUS",value,assertion_id` in canonical JSON.
 * A line is `[` + event_id + `,true|,false` + one fragment per type + `]\n` (see `resolvedDigestLine`).
 */
export function labelDigestFragment(label: ResolvedLabel): string {
  if (label.assertion_id === null) {
    if (label.status === 'UNLABELLED' && label.value === null) return UNLABELLED_FRAGMENT;
    if (label.status === 'CONFLICT' && label.value === null) return CONFLICT_FRAGMENT;
    return `,"${label.status}",${jsonValue(label.value)},null`;
  }
  return `,"${label.status}",${jsonValue(label.value)},${jsonString(label.assertion_id)}`;
}

/** The opening of a resolved-digest line: `[` + event_id + `,true` or `,false`. */
export function digestLineHead(eventId: string, mature: boolean): string {
  return `[${jsonString(eventId)}${mature ? ',true' : ',false'}`;
}

/**
 * One line of the resolved digest (recipe `ofs.labels.resolved_digest.v1`): the canonical JSON of
 * `[event_id, mature, status₁, value₁, assertion_id₁, …]` plus `\n` (equal to `canonicalJson` of
 * the array plus `\n`; tested). The resolver builds the same line from the same pieces.
 */
export function resolvedDigestLine(eventId: string, mature: boolean, labels: readonly ResolvedLabel[]): string {
  let line = digestLineHead(eventId, mature);
  for (const label of labels) line += labelDigestFragment(label);
  return `${line}]\n`;
}

const OPEN = utf8('[');
const MATURE = utf8(',true');
const IMMATURE = utf8(',false');
const CLOSE = utf8(']\n');
/** UTF-8 of `UNLABELLED_FRAGMENT`. */
export const UNLABELLED_FRAGMENT_BYTES = utf8(UNLABELLED_FRAGMENT);
/** UTF-8 of `CONFLICT_FRAGMENT`. */
export const CONFLICT_FRAGMENT_BYTES = utf8(CONFLICT_FRAGMENT);

/** Writes `digestLineHead(eventId, mature)` to `writer`. */
export function writeDigestLineHead(writer: DigestWriter, eventId: string, mature: boolean): void {
  writer.bytes(OPEN);
  writer.jsonString(eventId);
  writer.bytes(mature ? MATURE : IMMATURE);
}

/** Writes the end of a resolved-digest line (`]` and the newline) to `writer`. */
export function writeDigestLineEnd(writer: DigestWriter): void {
  writer.bytes(CLOSE);
}
