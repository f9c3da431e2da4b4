import Type, { type Static } from 'typebox';

/** Schema version of the parity report a `parity_rebuild` run writes. */
export const PARITY_REPORT_SCHEMA_VERSION = 'learning.ofs_parity_report.v1';
/** Schema version of a bundle of parity anchors (what a `parity_anchor_ref` may name instead of one anchor). */
export const PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION = 'learning.ofs_parity_anchor_bundle.v1';

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Count = Type.Integer({ minimum: 0 });

/**
 * `learning.ofs_parity_anchor_bundle.v1`: many anchors in one parity run. Each entry is a ref
 * (same rules as `parity_anchor_ref`) and the sha256 of the anchor's bytes, so the bundle's
 * digest, pinned by the plan, binds every anchor's content.
 */
export const ParityAnchorBundleSchema = Type.Object(
  {
    schema_version: Type.Literal(PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION),
    anchors: Type.Array(Type.Object({ ref: Type.String({ minLength: 1 }), sha256: Sha256Hex }, { additionalProperties: false }), {
      minItems: 1,
    }),
  },
  { additionalProperties: false, $id: PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION, title: 'ParityAnchorBundle' },
);
/** A bundle of parity anchor refs. */
export type ParityAnchorBundle = Static<typeof ParityAnchorBundleSchema>;

/** The verdict of one anchor. */
export const ParityVerdictSchema = Type.Object(
  {
    anchor_ref: Type.String({ minLength: 1 }),
    anchor_id: Type.Optional(Type.String({ minLength: 1 })),
    status: Type.Union([Type.Literal('MATCH'), Type.Literal('MISMATCH'), Type.Literal('UNCHECKABLE')]),
    /** How it was compared: feature by feature, by snapshot hash, or not at all. */
    compared_by: Type.Union([Type.Literal('features'), Type.Literal('snapshot_hash'), Type.Null()]),
    /** Why an anchor is UNCHECKABLE. */
    reason: Type.Optional(Type.String({ minLength: 1 })),
    entity: Type.Optional(Type.Object({ name: Type.String(), key: Type.Unknown() }, { additionalProperties: false })),
    as_of: Type.Optional(
      Type.Object(
        { topic: Type.String(), partition: Type.Integer({ minimum: 0 }), next_offset: Type.String() },
        { additionalProperties: false },
      ),
    ),
    /** Features whose values differ: expected (online) vs rebuilt. */
    differences: Type.Array(
      Type.Object({ feature: Type.String(), expected: Type.Unknown(), rebuilt: Type.Unknown() }, { additionalProperties: false }),
    ),
    /** Features of the entity the profile defines but the anchor does not carry. */
    missing: Type.Array(Type.String()),
    /** Features the anchor carries that the profile does not define for the entity. */
    extra: Type.Array(Type.String()),
    expected_snapshot_hash: Type.String(),
    rebuilt_snapshot_hash: Type.Optional(Sha256Hex),
  },
  { additionalProperties: false },
);
/** One anchor's verdict. */
export type ParityVerdict = Static<typeof ParityVerdictSchema>;

/** Per-feature consistency over every checkable anchor compared feature by feature. */
export const ParityFeatureFiguresSchema = Type.Object(
  {
    feature: Type.String(),
    compared: Count,
    matches: Count,
    mismatches: Count,
    missing: Count,
    extra: Count,
    /** `matches / compared` as a canonical decimal string with 6 places, `null` when nothing was compared. */
    match_ratio: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);
/** Per-feature consistency figures. */
export type ParityFeatureFigures = Static<typeof ParityFeatureFiguresSchema>;

/**
 * `learning.ofs_parity_report.v1`: the output of a `parity_rebuild` run, written write-once at
 * `{platform_run_id}/ofs/parity/{plan_id}.json` (its sha256 is recorded in the ledger). No
 * timestamps: the same pinned inputs give the same bytes.
 */
export const ParityReportSchema = Type.Object(
  {
    schema_version: Type.Literal(PARITY_REPORT_SCHEMA_VERSION),
    plan_id: Type.String({ minLength: 1 }),
    platform_run_id: Type.String({ minLength: 1 }),
    basis_hash: Sha256Hex,
    feature_profile: Type.Object(
      { feature_set_id: Type.String(), feature_set_version: Type.String(), digest: Sha256Hex },
      { additionalProperties: false },
    ),
    anchor: Type.Object({ ref: Type.String(), digest: Sha256Hex, bundle: Type.Boolean() }, { additionalProperties: false }),
    snapshot_recipe: Type.String(),
    replay_status: Type.String(),
    verdict: Type.Union([Type.Literal('MATCH'), Type.Literal('MISMATCH'), Type.Literal('UNCHECKABLE')]),
    totals: Type.Object({ anchors: Count, match: Count, mismatch: Count, uncheckable: Count }, { additionalProperties: false }),
    anchors: Type.Array(ParityVerdictSchema),
    features: Type.Array(ParityFeatureFiguresSchema),
  },
  { additionalProperties: false, $id: PARITY_REPORT_SCHEMA_VERSION, title: 'ParityReport' },
);
/** A parity report. */
export type ParityReport = Static<typeof ParityReportSchema>;

/** Where a parity run's report is written: `{platform_run_id}/ofs/parity/{plan_id}.json`. */
export function parityReportKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/parity/${planId}.json`;
}
