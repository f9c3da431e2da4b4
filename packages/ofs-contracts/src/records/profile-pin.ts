import Type, { type Static } from 'typebox';

/** Schema version of a feature profile pin. */
export const PROFILE_PIN_SCHEMA_VERSION = 'learning.ofs_profile_pin.v1';

/**
 * `learning.ofs_profile_pin.v1`: the digest a feature profile version had the first time a plan
 * resolved it, written write-once at `ofs/profile_digests/{pin_key}.json` (global, not per run).
 * A later resolution of the same id and version with another digest is `FEATURE_PROFILE_DRIFT`.
 */
export const ProfilePinSchema = Type.Object(
  {
    schema_version: Type.Literal(PROFILE_PIN_SCHEMA_VERSION),
    feature_set_id: Type.String({ minLength: 1 }),
    feature_set_version: Type.String({ minLength: 1 }),
    digest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false, $id: PROFILE_PIN_SCHEMA_VERSION, title: 'ProfilePin' },
);

/** A feature profile pin (see `ProfilePinSchema`). */
export type ProfilePin = Static<typeof ProfilePinSchema>;
