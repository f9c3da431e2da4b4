import Type, { type Static } from 'typebox';
import { ArtifactRefSchema } from './dataset-manifest-v1.js';

/** Schema version of a supersession link. */
export const SUPERSESSION_LINK_SCHEMA_VERSION = 'learning.ofs_supersession_link.v1';

/**
 * `learning.ofs_supersession_link.v1`: a backfill's statement that its manifest supersedes
 * earlier ones. Written write-once at `{platform_run_id}/ofs/supersession/{dataset_manifest_id}.json`
 * (keyed by the new manifest) before that manifest; no timestamps, so a retry converges.
 */
export const SupersessionLinkSchema = Type.Object(
  {
    schema_version: Type.Literal(SUPERSESSION_LINK_SCHEMA_VERSION),
    dataset_manifest_id: Type.String({ pattern: '^dm_[0-9a-f]{32}$' }),
    platform_run_id: Type.String({ minLength: 1 }),
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    /** The superseded manifests (key + sha256 of their stored bytes), sorted by key. */
    supersedes: Type.Array(ArtifactRefSchema, { minItems: 1 }),
    backfill_reason: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false, $id: SUPERSESSION_LINK_SCHEMA_VERSION, title: 'SupersessionLink' },
);

/** A supersession link (see `SupersessionLinkSchema`). */
export type SupersessionLink = Static<typeof SupersessionLinkSchema>;

/** Object key of the supersession link of a manifest. */
export function supersessionLinkKey(platformRunId: string, datasetManifestId: string): string {
  return `${platformRunId}/ofs/supersession/${datasetManifestId}.json`;
}

/** Schema version of the by-plan index entry. */
export const PLAN_INDEX_SCHEMA_VERSION = 'learning.ofs_plan_index.v1';

/**
 * `learning.ofs_plan_index.v1`: points from a plan to its published manifest, written after the
 * manifest at `{platform_run_id}/ofs/index/by_plan/{plan_id}.json`, so a later request with the
 * same plan converges before any replay.
 */
export const PlanIndexEntrySchema = Type.Object(
  {
    schema_version: Type.Literal(PLAN_INDEX_SCHEMA_VERSION),
    plan_id: Type.String({ pattern: '^plan_[0-9a-f]{32}$' }),
    platform_run_id: Type.String({ minLength: 1 }),
    dataset_manifest_id: Type.String({ pattern: '^dm_[0-9a-f]{32}$' }),
    manifest: ArtifactRefSchema,
  },
  { additionalProperties: false, $id: PLAN_INDEX_SCHEMA_VERSION, title: 'PlanIndexEntry' },
);

/** A by-plan index entry (see `PlanIndexEntrySchema`). */
export type PlanIndexEntry = Static<typeof PlanIndexEntrySchema>;

/** Object key of a plan's by-plan index entry. */
export function planIndexKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/index/by_plan/${planId}.json`;
}
