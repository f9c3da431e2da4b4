import Type, { type Static } from 'typebox';

/** Schema version of a governance fact. */
export const GOVERNANCE_FACT_SCHEMA_VERSION = 'learning.ofs_governance_fact.v1';

/**
 * Lifecycle facts the corridor states about its runs, one per (run, type) at most:
 * - `DATASET_PUBLISHED`: a run ended `DONE` with a manifest (outcome `NEW` or `ALREADY_PUBLISHED`);
 * - `DATASET_BUILD_FAILED`: a run ended `FAILED` (any error code, including exhausted budgets);
 * - `PUBLISH_RETRY_EXHAUSTED`: a run ended `FAILED` because no publish retry was left;
 * - `DATASET_SUPERSEDED`: a `DONE` run's manifest supersedes earlier manifests (a backfill);
 * - `BACKFILL_DECLARED`: a run was submitted declaring that it supersedes earlier manifests.
 */
export const GOVERNANCE_FACT_TYPES = [
  'DATASET_PUBLISHED',
  'DATASET_BUILD_FAILED',
  'PUBLISH_RETRY_EXHAUSTED',
  'DATASET_SUPERSEDED',
  'BACKFILL_DECLARED',
] as const;

/**
 * `learning.ofs_governance_fact.v1`: one lifecycle fact. Its `fact_id` is derived from the run key
 * and the fact type (`ofs.governance_fact_id.v1`), and every field comes from the run's ledger
 * record, so exporting the same ledger state again gives the same bytes. Written write-once at
 * `{platform_run_id}/ofs/governance/{fact_id}.json` before any projection or bus delivery.
 */
export const GovernanceFactSchema = Type.Object(
  {
    schema_version: Type.Literal(GOVERNANCE_FACT_SCHEMA_VERSION),
    fact_id: Type.String({ pattern: '^gf_[0-9a-f]{32}$' }),
    fact_type: Type.Union([
      Type.Literal('DATASET_PUBLISHED'),
      Type.Literal('DATASET_BUILD_FAILED'),
      Type.Literal('PUBLISH_RETRY_EXHAUSTED'),
      Type.Literal('DATASET_SUPERSEDED'),
      Type.Literal('BACKFILL_DECLARED'),
    ]),
    platform_run_id: Type.String({ minLength: 1 }),
    run_key: Type.String({ minLength: 1 }),
    request_id: Type.String({ minLength: 1 }),
    intent_kind: Type.String({ minLength: 1 }),
    /** When the ledger recorded the move the fact states (RFC 3339 UTC, from the ledger, never the exporter's clock). */
    occurred_at_utc: Type.String({ minLength: 1 }),
    plan_id: Type.Union([Type.String({ pattern: '^plan_[0-9a-f]{32}$' }), Type.Null()]),
    dataset_manifest_id: Type.Union([Type.String({ pattern: '^dm_[0-9a-f]{32}$' }), Type.Null()]),
    manifest_key: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    /**
     * Per type: `outcome` + `status_class` (published); `error_code` + `stage` + attempts (failed,
     * exhausted); `supersedes` (manifest keys, sorted) + `backfill_reason` (superseded, declared).
     */
    details: Type.Object({}, { additionalProperties: true }),
  },
  { additionalProperties: false, $id: GOVERNANCE_FACT_SCHEMA_VERSION, title: 'GovernanceFact' },
);

/** A governance fact (see `GovernanceFactSchema`). */
export type GovernanceFact = Static<typeof GovernanceFactSchema>;
/** A governance fact type. */
export type GovernanceFactType = (typeof GOVERNANCE_FACT_TYPES)[number];

/** Object key of a governance fact. */
export function governanceFactKey(platformRunId: string, factId: string): string {
  return `${platformRunId}/ofs/governance/${factId}.json`;
}

/** Object key of the marker that a fact was delivered to the control bus named `busName`. */
export function governanceDeliveryKey(platformRunId: string, busName: string, factId: string): string {
  return `${platformRunId}/ofs/governance/delivered/${busName}/${factId}.json`;
}
