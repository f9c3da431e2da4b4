import { canonicalJson, sha256Hex } from '@ofs/ids';

/** The name of the feature snapshot recipe. */
export const FEATURE_SNAPSHOT_RECIPE = 'ofs.feature_snapshot.v1';

/** A feature value as rows and snapshots carry it: canonical JSON (decimals as strings, counts as integers, `null` when empty). */
export type FeatureValue = string | number | boolean | null | Record<string, unknown> | unknown[];

/**
 * `ofs.feature_snapshot.v1`: the window features of one entity key as of a position in one topic
 * partition (docs/decisions.md D54).
 *
 * - `feature_set`: the profile's id, version and content digest (values mean nothing without it);
 * - `entity`: the entity name and key (the key as in payloads: string, number or boolean);
 * - `as_of`: the topic partition, offset kind, `next_offset` — the first offset **not** applied
 *   (exclusive, like an `eb_offset_basis`) — and `watermark_utc`, the largest event time applied
 *   (absent before the first event); windows are evaluated at the watermark;
 * - `features`: every window feature of that entity, by name, with the values an event of that
 *   key at the watermark would read (field projections are per event, not per entity: none here).
 *
 * The hash is the lowercase hex SHA-256 of the canonical JSON (identity law) of the whole object,
 * which names its recipe.
 */
export interface FeatureSnapshot {
  readonly recipe: typeof FEATURE_SNAPSHOT_RECIPE;
  readonly feature_set: { readonly feature_set_id: string; readonly feature_set_version: string; readonly digest: string };
  readonly entity: { readonly name: string; readonly key: unknown };
  readonly as_of: {
    readonly topic: string;
    readonly partition: number;
    readonly offset_kind: string;
    readonly next_offset: string;
    readonly watermark_utc?: string;
  };
  readonly features: Readonly<Record<string, FeatureValue>>;
}

/** A snapshot and its hash. */
export interface SnapshotResult {
  readonly snapshot: FeatureSnapshot;
  /** `featureSnapshotHash(snapshot)`. */
  readonly snapshot_hash: string;
}

/** The hash of a feature snapshot: sha256 hex of its canonical JSON (`ofs.feature_snapshot.v1`). */
export function featureSnapshotHash(snapshot: FeatureSnapshot): string {
  return sha256Hex(canonicalJson(snapshot));
}
