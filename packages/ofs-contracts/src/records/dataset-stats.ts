import Type, { type Static } from 'typebox';
import { StatsMarkerSchema } from './feature-profile.js';

/** Schema version of the build statistics artifact. */
export const DATASET_STATS_SCHEMA_VERSION = 'learning.ofs_dataset_stats.v1';

const Count = Type.Integer({ minimum: 0 });
const MaybeNumber = Type.Union([Type.Number(), Type.Null()]);

/** Label outcomes of one event day and label type. */
export const DayLabelCountsSchema = Type.Object(
  { labelled: Count, conflict: Count, unlabelled: Count, immature: Count },
  { additionalProperties: false },
);

/** Statistics of one column: counts, min/max and fixed-bin histogram (numbers), exact bounded value counts (categorical). */
export const ColumnStatsSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.String({ minLength: 1 }),
    source: Type.String({ minLength: 1 }),
    kind: Type.Union([
      Type.Literal('numeric'),
      Type.Literal('categorical'),
      Type.Literal('mixed'),
      Type.Literal('sensitive'),
      Type.Literal('counts'),
    ]),
    rows: Count,
    nulls: Count,
    min: MaybeNumber,
    max: MaybeNumber,
    histogram: Type.Union([Type.Array(Count), Type.Null()]),
    values: Type.Union([Type.Array(Type.Object({ value: Type.String(), count: Count }, { additionalProperties: false })), Type.Null()]),
    /** The feature profile's statistics marker that set `kind` (D115); absent when `kind` follows the name rule. */
    marker: Type.Optional(StatsMarkerSchema),
  },
  { additionalProperties: false },
);

/**
 * Label delays of one label type: rows whose label is `LABELLED`, counted per fixed delay bin
 * (`histogram`, one count per bin of the scheme `label_delay.v1`, see `LABEL_DELAY_BINS` in
 * `@ofs/publish`), and `unknown`: LABELLED rows whose resolver reported no delay.
 */
export const LabelDelayCountsSchema = Type.Object({ histogram: Type.Array(Count), unknown: Count }, { additionalProperties: false });

/**
 * `learning.ofs_dataset_stats.v1`: build statistics of a dataset, computed during reconstruction
 * and written once at `{platform_run_id}/ofs/stats/{plan_id}.json`; the draft receipt cites it by
 * digest (`stats`), so the manifest cites it transitively. Rows and label outcomes per event day
 * and label type, the label delay distribution per label type, and per column statistics with
 * bins that never depend on the data. Holds no
 * values of sensitive columns. The same plan gives the same bytes, whatever the input order.
 */
export const DatasetStatsSchema = Type.Object(
  {
    schema_version: Type.Literal(DATASET_STATS_SCHEMA_VERSION),
    bins: Type.Literal('log10_decades.v1'),
    categorical_max_values: Type.Integer({ minimum: 1 }),
    label_types: Type.Array(Type.String({ minLength: 1 })),
    rows_total: Count,
    days: Type.Array(
      Type.Object(
        { day: Type.String({ minLength: 1 }), rows: Count, labels: Type.Record(Type.String(), DayLabelCountsSchema) },
        { additionalProperties: false },
      ),
    ),
    columns: Type.Array(ColumnStatsSchema),
    /**
     * The label delay distribution (`observed_time − effective_time` of the assertion that
     * resolved each LABELLED label of a row in the dataset), per label type, in fixed bins (D114).
     * Optional: statistics written before it have none.
     */
    label_delays: Type.Optional(
      Type.Object(
        { bins: Type.Literal('label_delay.v1'), by_type: Type.Record(Type.String(), LabelDelayCountsSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, $id: DATASET_STATS_SCHEMA_VERSION, title: 'DatasetStats' },
);

/** A `learning.ofs_dataset_stats.v1` document. */
export type DatasetStatsRecord = Static<typeof DatasetStatsSchema>;

/** Store key of a plan's build statistics: `{platform_run_id}/ofs/stats/{plan_id}.json`. */
export function datasetStatsKey(platformRunId: string, planId: string): string {
  return `${platformRunId}/ofs/stats/${planId}.json`;
}
