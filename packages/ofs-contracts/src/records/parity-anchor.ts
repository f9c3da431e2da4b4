import Type, { type Static } from 'typebox';
import { FeatureDefinitionSetSchema, ReplaySliceSchema } from './intent.js';

/** Schema version of a typed parity anchor, as a plan records it. */
export const PARITY_ANCHOR_SCHEMA_VERSION = 'learning.ofs_parity_anchor.v1';

/** What the anchor is: an RTDL audit record, a decision payload, a feature snapshot ref, or generic. */
export const PARITY_ANCHOR_KINDS = ['audit_record', 'decision_payload', 'snapshot_ref', 'generic'] as const;

const Offset = Type.String({ pattern: '^(0|[1-9][0-9]*)$' });

/**
 * The online basis of an anchor. `eb_offset_basis` carries, per partition, the **next** offset
 * the online plane would have read (exclusive, per the OFP/OFS parity contract); `replay_basis`
 * carries inclusive slices. Recorded as given, never reinterpreted.
 */
export const ParityAnchorBasisSchema = Type.Union([
  Type.Object(
    {
      form: Type.Literal('eb_offset_basis'),
      stream: Type.String({ minLength: 1 }),
      offset_kind: Type.String({ minLength: 1 }),
      offsets: Type.Array(Type.Object({ partition: Type.Integer({ minimum: 0 }), next_offset: Offset }, { additionalProperties: false }), {
        minItems: 1,
      }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { form: Type.Literal('replay_basis'), slices: Type.Array(ReplaySliceSchema, { minItems: 1 }) },
    { additionalProperties: false },
  ),
]);

/**
 * `learning.ofs_parity_anchor.v1`: a parity anchor read by explicit ref and typed — kind and id,
 * the snapshot hash the online plane recorded, its offset basis, and the feature set it names
 * (which must equal the intent's when present).
 */
export const ParityAnchorSchema = Type.Object(
  {
    schema_version: Type.Literal(PARITY_ANCHOR_SCHEMA_VERSION),
    anchor_kind: Type.Union([
      Type.Literal('audit_record'),
      Type.Literal('decision_payload'),
      Type.Literal('snapshot_ref'),
      Type.Literal('generic'),
    ]),
    anchor_id: Type.Optional(Type.String({ minLength: 1 })),
    snapshot_hash: Type.String({ minLength: 1 }),
    basis: ParityAnchorBasisSchema,
    feature_definition_set: Type.Optional(FeatureDefinitionSetSchema),
  },
  { additionalProperties: false, $id: PARITY_ANCHOR_SCHEMA_VERSION, title: 'ParityAnchor' },
);

/** A typed parity anchor (see `ParityAnchorSchema`). */
export type ParityAnchor = Static<typeof ParityAnchorSchema>;
/** An anchor kind. */
export type ParityAnchorKind = (typeof PARITY_ANCHOR_KINDS)[number];
