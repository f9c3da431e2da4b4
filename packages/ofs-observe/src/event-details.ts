import { type EvidenceRefDetails, isOfsErrorCode, type RunEvent } from '@ofs/contracts';

/** A string field of an event's details, or `null`. */
export function detailString(event: RunEvent, field: string): string | null {
  const value = event.details[field];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** The error code an event carries (`details.error_code`), or `null`. */
export function eventErrorCode(event: RunEvent): string | null {
  return detailString(event, 'error_code');
}

/** An audited evidence ref as read back from an `EVIDENCE_REF` event. */
export interface AuditedRef extends Omit<EvidenceRefDetails, 'outcome'> {
  readonly run_key: string;
  readonly seq: number;
  readonly at_ms: number;
  /** `RESOLVED`, a catalogue code, or (from a misbehaving writer) any other string. */
  readonly outcome: string;
  /** `false` when `outcome` is neither `RESOLVED` nor a catalogue code. */
  readonly catalogued: boolean;
}

/** An `EVIDENCE_REF` event's details (see `EvidenceRefDetails`); `null` when the event is not one or lacks a field. */
export function evidenceRefOf(event: RunEvent): AuditedRef | null {
  if (event.type !== 'EVIDENCE_REF') return null;
  const actor = detailString(event, 'actor');
  const ref = typeof event.details.ref === 'string' ? event.details.ref : null;
  const purpose = detailString(event, 'purpose');
  const outcome = detailString(event, 'outcome');
  if (actor === null || ref === null || purpose === null || outcome === null) return null;
  const sha256 = detailString(event, 'sha256');
  return {
    run_key: event.run_key,
    seq: event.seq,
    at_ms: event.at_ms,
    actor,
    ref,
    purpose,
    outcome,
    catalogued: outcome === 'RESOLVED' || isOfsErrorCode(outcome),
    ...(sha256 === null ? {} : { sha256 }),
  };
}

/** Adds `n` to `counts[key]`. */
export function bump(counts: Record<string, number>, key: string, n = 1): void {
  counts[key] = (counts[key] ?? 0) + n;
}

/** A copy of `counts` with keys in code-point order (so JSON output does not depend on input order). */
export function sortedCounts(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort()) out[key] = counts[key]!;
  return out;
}
