import type { OfsErrorCode } from '@ofs/contracts';

/** Why a plan resolved a protected ref. */
export type RefPurpose = 'run_facts' | 'parity_anchor' | 'pass_evidence';

/**
 * One protected ref the plan resolver touched and how it ended: `RESOLVED`, or the error code
 * that refused it. The runner records these as ledger events (an audit trail of what was read).
 */
export interface RefAudit {
  /** The ref as given (run facts, anchor) or the evidence pointer (`{run_facts_key}#/instance_receipts/0`). */
  readonly ref: string;
  /** What the ref was for. */
  readonly purpose: RefPurpose;
  /** `RESOLVED`, or the code of the error that refused it. */
  readonly outcome: 'RESOLVED' | OfsErrorCode;
  /** For `pass_evidence`: the world output the evidence is about. */
  readonly output_id?: string;
}

/** Receives each `RefAudit` as it happens, including refusals just before the error is thrown. */
export type RefAuditSink = (audit: RefAudit) => void;
