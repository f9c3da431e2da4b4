import Type, { type Static } from 'typebox';

const Ratio = Type.Number({ minimum: 0, maximum: 1 });

/**
 * The coverage policy a plan pins: the label types resolved for it, a minimum coverage for each
 * of them and the largest conflict ratio allowed. Resolved from the intent and the host policy by
 * `resolveCoveragePolicy` (the reference's rules, DESIGN §8 and decisions D85).
 */
export const CoveragePolicySchema = Type.Object(
  {
    /** De-duplicated and sorted by code point. */
    label_types: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    /** Exactly one entry per label type. */
    min_coverage_by_label_type: Type.Record(Type.String({ minLength: 1 }), Ratio),
    max_conflict_ratio: Ratio,
  },
  { additionalProperties: false },
);

/** A resolved coverage policy (see `CoveragePolicySchema`). */
export type CoveragePolicy = Static<typeof CoveragePolicySchema>;
