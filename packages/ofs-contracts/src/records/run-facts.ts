import Type, { type Static } from 'typebox';

/** Schema id of the run-facts view as OFS reads it. */
export const RUN_FACTS_VIEW_SCHEMA_VERSION = 'learning.ofs_run_facts_view.v0';

const Text = Type.String({ minLength: 1 });
const ContentDigest = Type.Object({ algo: Text, hex: Text }, { additionalProperties: true });

/** The world pins of a scenario run (manifest fingerprint, parameter hash, seed, …). */
export const RunFactsPinsSchema = Type.Object(
  {
    platform_run_id: Type.Optional(Text),
    scenario_run_id: Type.Optional(Text),
    manifest_fingerprint: Type.Optional(Text),
    parameter_hash: Type.Optional(Text),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    scenario_id: Type.Optional(Text),
    run_id: Type.Optional(Text),
  },
  { additionalProperties: true },
);

/** Where one world output lives. `manifest_fingerprint` falls back to the pins'. */
export const RunFactsLocatorSchema = Type.Object(
  {
    output_id: Text,
    path: Text,
    manifest_fingerprint: Type.Optional(Text),
    parameter_hash: Type.Optional(Text),
    scenario_id: Type.Optional(Text),
    seed: Type.Optional(Type.Integer({ minimum: 0 })),
    content_digest: Type.Optional(ContentDigest),
  },
  { additionalProperties: true },
);

/** A per-output validation verdict. For its output it is decisive: gate receipts are then not consulted. */
export const InstanceReceiptSchema = Type.Object(
  {
    output_id: Text,
    /** Only exactly `PASS` admits a read. */
    status: Text,
    scope: Type.Optional(Type.Object({ manifest_fingerprint: Type.Optional(Text) }, { additionalProperties: true })),
    target_ref: Type.Object({ output_id: Type.Optional(Text), path: Type.Optional(Type.String()) }, { additionalProperties: true }),
    target_digest: Type.Optional(ContentDigest),
  },
  { additionalProperties: true },
);

/** A validation gate verdict over a whole world manifest (by fingerprint). */
export const GateReceiptSchema = Type.Object(
  {
    gate_id: Text,
    status: Text,
    scope: Type.Object({ manifest_fingerprint: Text }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

/**
 * The scenario runner's `run_facts_view`, as far as OFS reads it (reference ref-spec-2 §1.2): the
 * scope (platform run, scenario run), the world pins, where each world output lives and the
 * PASS/FAIL evidence that admits reading it. Another service's record, so unknown fields are
 * allowed; `platform_run_id` / `scenario_run_id` may sit at the top level or in `pins`.
 */
export const RunFactsViewSchema = Type.Object(
  {
    platform_run_id: Type.Optional(Text),
    scenario_run_id: Type.Optional(Text),
    pins: RunFactsPinsSchema,
    locators: Type.Array(RunFactsLocatorSchema),
    instance_receipts: Type.Optional(Type.Array(InstanceReceiptSchema)),
    gate_receipts: Type.Optional(Type.Array(GateReceiptSchema)),
  },
  { additionalProperties: true, $id: RUN_FACTS_VIEW_SCHEMA_VERSION, title: 'RunFactsView' },
);

/** A run-facts view (see `RunFactsViewSchema`). */
export type RunFactsView = Static<typeof RunFactsViewSchema>;
/** One world-output locator. */
export type RunFactsLocator = Static<typeof RunFactsLocatorSchema>;
/** One instance receipt. */
export type InstanceReceipt = Static<typeof InstanceReceiptSchema>;
/** One gate receipt. */
export type GateReceipt = Static<typeof GateReceiptSchema>;
