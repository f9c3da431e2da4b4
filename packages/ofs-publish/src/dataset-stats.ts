import { type Column, DATASET_STATS_SCHEMA_VERSION, type StatsMarker } from '@ofs/contracts';

/** Most distinct values a categorical column keeps exact counts of; beyond it only totals remain. */
export const CATEGORICAL_MAX_VALUES = 64;

/**
 * The fixed numeric bins (scheme `log10_decades.v1`): `<0` for negatives, `0`, then decades
 * `[1e-3,1e-2)` … `[1e8,1e9)`, with `<1e-3` and `>=1e9` at the ends. The bins never depend on
 * the data, so partial statistics merge by adding counts.
 */
export const NUMERIC_BINS: readonly string[] = [
  '<0',
  '0',
  '(0,1e-3)',
  ...Array.from({ length: 12 }, (_, i) => `[1e${i - 3},1e${i - 2})`),
  '>=1e9',
];

/** Index in `NUMERIC_BINS` of a finite number. */
export function numericBin(x: number): number {
  if (x < 0) return 0;
  if (x === 0) return 1;
  if (x < 1e-3) return 2;
  if (x >= 1e9) return NUMERIC_BINS.length - 1;
  let decade = Math.floor(Math.log10(x));
  // Guard the float edge: 10 ** decade must not exceed x.
  if (10 ** decade > x) decade -= 1;
  if (10 ** (decade + 1) <= x) decade += 1;
  return 3 + Math.min(11, Math.max(0, decade + 3));
}

/**
 * The fixed label delay bins (scheme `label_delay.v1`, D114) of `observed_time − effective_time`:
 * `<0` (observed before it took effect), `0` (the same instant), then `(0,1m)`, `[1m,1h)`,
 * `[1h,1d)`, `[1d,7d)`, `[7d,30d)`, `[30d,90d)` and `>=90d`. Never data-derived, so partial
 * statistics merge by adding counts.
 */
export const LABEL_DELAY_BINS: readonly string[] = ['<0', '0', '(0,1m)', '[1m,1h)', '[1h,1d)', '[1d,7d)', '[7d,30d)', '[30d,90d)', '>=90d'];

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Upper bounds (exclusive, in ms) of the positive delay bins `(0,1m)` … `[30d,90d)`. */
const DELAY_BOUNDS = [MINUTE_MS, 60 * MINUTE_MS, DAY_MS, 7 * DAY_MS, 30 * DAY_MS, 90 * DAY_MS];

/** Index in `LABEL_DELAY_BINS` of a delay in milliseconds (a finite number). */
export function labelDelayBin(delayMs: number): number {
  if (delayMs < 0) return 0;
  if (delayMs === 0) return 1;
  for (let i = 0; i < DELAY_BOUNDS.length; i++) if (delayMs < (DELAY_BOUNDS[i] as number)) return 2 + i;
  return LABEL_DELAY_BINS.length - 1;
}

/** Label delays of one label type: counts per `LABEL_DELAY_BINS` entry, and LABELLED rows without a reported delay. */
export interface LabelDelayCounts {
  histogram: number[];
  unknown: number;
}

/** The label delay distribution of a dataset, per label type (D114). */
export interface LabelDelays {
  readonly bins: 'label_delay.v1';
  by_type: Record<string, LabelDelayCounts>;
}

/**
 * Tallies label delays per label type: one count per LABELLED label of a row in the dataset, in its
 * `LABEL_DELAY_BINS` bin, or `unknown` when the resolver reported no delay (`delay_ms` absent or
 * not finite). Reconstruction feeds it while joining labels (the delay is not in the rows).
 */
export class LabelDelayTally {
  readonly labelTypes: readonly string[];
  private readonly counts: Float64Array;
  private readonly unknown: Float64Array;

  constructor(labelTypes: readonly string[]) {
    this.labelTypes = [...labelTypes];
    this.counts = new Float64Array(labelTypes.length * LABEL_DELAY_BINS.length);
    this.unknown = new Float64Array(labelTypes.length);
  }

  /** Counts one LABELLED label of the label type at `typeIndex` (in the constructor's order). */
  add(typeIndex: number, delayMs: number | undefined): void {
    if (typeof delayMs === 'number' && Number.isFinite(delayMs))
      this.counts[typeIndex * LABEL_DELAY_BINS.length + labelDelayBin(delayMs)]! += 1;
    else this.unknown[typeIndex]! += 1;
  }

  /** The tally as the statistics hold it (label types sorted). */
  result(): LabelDelays {
    const by_type: Record<string, LabelDelayCounts> = {};
    const order = this.labelTypes.map((t, i) => [t, i] as const).sort((a, b) => compare(a[0], b[0]));
    for (const [t, i] of order) {
      const from = i * LABEL_DELAY_BINS.length;
      by_type[t] = {
        histogram: Array.from(this.counts.subarray(from, from + LABEL_DELAY_BINS.length)),
        unknown: this.unknown[i] as number,
      };
    }
    return { bins: 'label_delay.v1', by_type };
  }
}

/** How a column is summarised. */
export type ColumnStatsKind = 'numeric' | 'categorical' | 'mixed' | 'sensitive' | 'counts';

/** Statistics of one column. */
export interface ColumnStats {
  readonly name: string;
  readonly type: Column['type'];
  readonly source: Column['source'];
  readonly kind: ColumnStatsKind;
  /** Rows seen. */
  rows: number;
  /** Rows whose value is null. */
  nulls: number;
  /** `numeric`, `mixed`: smallest and largest number (null when no value is a number). */
  min: number | null;
  max: number | null;
  /** `numeric`, `mixed`: counts per `NUMERIC_BINS` entry (`mixed`: values that are numbers or decimal strings). */
  histogram: number[] | null;
  /** `categorical`, `mixed` (its non-numeric values): exact counts of each value (sorted by value) or null once more than `CATEGORICAL_MAX_VALUES` are distinct. */
  values: { value: string; count: number }[] | null;
  /** The feature profile's statistics marker that set `kind` (D115); absent when `kind` follows the name rule (D112). */
  readonly marker?: StatsMarker;
}

/** Per event day and label type: how many rows are labelled, conflicting, unlabelled, immature. */
export interface DayLabelCounts {
  labelled: number;
  conflict: number;
  unlabelled: number;
  immature: number;
}

/** Rows of one event day (UTC). */
export interface DayStats {
  readonly day: string;
  rows: number;
  labels: Record<string, DayLabelCounts>;
}

/**
 * Build statistics of a dataset (`learning.ofs_dataset_stats.v1`): rows and label outcomes per
 * event day and label type, and per column null counts, min/max and a fixed-bin histogram
 * (numeric), exact bounded value counts (categorical) or only counts (sensitive: entity keys and
 * identifiers never show values). Deterministic: `mergeDatasetStats` is exact, so the same rows
 * give the same document whatever the shard count or the order they were seen in.
 */
export interface DatasetStats {
  readonly schema_version: typeof DATASET_STATS_SCHEMA_VERSION;
  readonly bins: 'log10_decades.v1';
  readonly categorical_max_values: number;
  readonly label_types: readonly string[];
  rows_total: number;
  days: DayStats[];
  columns: ColumnStats[];
  /** The label delay distribution per label type (D114); absent in statistics computed from rows alone (the delay is not in the rows) and in statistics written before it. */
  label_delays?: LabelDelays;
}

/** Options of the statistics of a dataset layout. */
export interface DatasetStatsOptions {
  /** Column name → the feature profile's statistics marker (`statsMarkers` of `@ofs/features`), overriding the name rule. */
  readonly markers?: ReadonlyMap<string, StatsMarker>;
  /** Keep a label delay distribution (`label_delays`), fed by `addLabelDelay`. */
  readonly labelDelays?: boolean;
}

const SENSITIVE_NAME = /(^|_)(id|card|account|pan|email|phone|ip)$/;

/**
 * The kind a column is summarised as: entity keys are `sensitive`; a feature column the profile
 * marks (`marker`, D115) is what the marker says; otherwise (D112) `*_id`-like names are
 * `sensitive`; event bookkeeping (`offset`, `payload_hash`, `ts_utc`) only gets counts;
 * integer/decimal are `numeric`; strings and booleans are `categorical`; JSON feature columns are
 * `mixed` (numbers and decimal strings into the histogram, other scalars counted as values);
 * other JSON gets counts.
 */
export function columnStatsKind(column: Column, marker?: StatsMarker): ColumnStatsKind {
  if (column.source === 'entity') return 'sensitive';
  if (marker !== undefined && column.source === 'feature') return marker;
  if (SENSITIVE_NAME.test(column.name)) return 'sensitive';
  if (column.source === 'event' && ['offset', 'payload_hash', 'ts_utc'].includes(column.name)) return 'counts';
  if (column.type === 'integer' || column.type === 'decimal') return 'numeric';
  if (column.type === 'string' || column.type === 'boolean') return 'categorical';
  if (column.source === 'feature') return 'mixed';
  return 'counts';
}

const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** The number a value stands for in a histogram, if any. */
function numberOf(kind: ColumnStatsKind, v: unknown): number | undefined {
  if (kind !== 'numeric' && kind !== 'mixed') return undefined;
  let x: number;
  if (typeof v === 'number') x = v;
  else if (typeof v === 'string' && (kind === 'numeric' || DECIMAL_TEXT.test(v))) x = Number(v);
  else return undefined;
  return Number.isFinite(x) ? x : undefined;
}

/** Empty statistics for a dataset's columns and label types. */
export function emptyDatasetStats(
  columns: readonly Column[],
  labelTypes: readonly string[],
  options: DatasetStatsOptions = {},
): DatasetStats {
  return {
    schema_version: DATASET_STATS_SCHEMA_VERSION,
    bins: 'log10_decades.v1',
    categorical_max_values: CATEGORICAL_MAX_VALUES,
    label_types: [...labelTypes].sort(),
    rows_total: 0,
    days: [],
    columns: columns.map((c) => {
      const marker = c.source === 'feature' ? options.markers?.get(c.name) : undefined;
      const kind = columnStatsKind(c, marker);
      return {
        name: c.name,
        type: c.type,
        source: c.source,
        kind,
        ...(marker === undefined ? {} : { marker }),
        rows: 0,
        nulls: 0,
        min: null,
        max: null,
        histogram: kind === 'numeric' || kind === 'mixed' ? NUMERIC_BINS.map(() => 0) : null,
        values: kind === 'categorical' || kind === 'mixed' ? [] : null,
      };
    }),
    ...(options.labelDelays ? { label_delays: new LabelDelayTally(labelTypes).result() } : {}),
  };
}

function emptyDay(day: string, labelTypes: readonly string[]): DayStats {
  const labels: Record<string, DayLabelCounts> = {};
  for (const t of labelTypes) labels[t] = { labelled: 0, conflict: 0, unlabelled: 0, immature: 0 };
  return { day, rows: 0, labels };
}

/**
 * Accumulates rows (as `readDataset` yields them) into `DatasetStats`. Values are kept in maps
 * while adding; `result()` returns the sorted document.
 */
export class DatasetStatsAccumulator {
  private readonly stats: DatasetStats;
  private readonly days = new Map<string, DayStats>();
  private readonly counts: (Map<string, number> | null)[];
  private readonly delays: LabelDelayTally | undefined;
  private readonly delayType: Map<string, number>;

  constructor(columns: readonly Column[], labelTypes: readonly string[], options: DatasetStatsOptions = {}) {
    this.stats = emptyDatasetStats(columns, labelTypes, options);
    this.counts = this.stats.columns.map((c) => (c.kind === 'categorical' || c.kind === 'mixed' ? new Map() : null));
    this.delays = options.labelDelays ? new LabelDelayTally(labelTypes) : undefined;
    this.delayType = new Map(labelTypes.map((t, i) => [t, i]));
  }

  /** Counts the delay of one LABELLED label of a row (only with the `labelDelays` option). */
  addLabelDelay(labelType: string, delayMs: number | undefined): void {
    const i = this.delayType.get(labelType);
    if (this.delays === undefined || i === undefined) throw new RangeError(`addLabelDelay: no label delays are kept for ${labelType}`);
    this.delays.add(i, delayMs);
  }

  /** Adds one row. */
  add(row: Readonly<Record<string, unknown>>): void {
    const s = this.stats;
    s.rows_total += 1;
    const d = this.day(row.ts_utc);
    const labels = s.label_types;
    for (let t = 0; t < labels.length; t++) this.addLabel(d, labels[t] as string, row[`label_${labels[t]}_status`], row.mature);
    const columns = s.columns;
    for (let i = 0; i < columns.length; i++) this.addValue(i, columns[i] as ColumnStats, row[(columns[i] as ColumnStats).name]);
  }

  /**
   * Adds one row given as a value array: column `i` (in the constructor's order) is
   * `values[slots[i]]`. The same statistics as `add` of the row object those values encode to,
   * without building (or parsing) that object.
   */
  addValues(values: readonly unknown[], slots: readonly number[]): void {
    const s = this.stats;
    const columns = s.columns;
    if (slots.length !== columns.length) throw new RangeError('addValues: one slot per column is needed');
    this.fields ??= this.rowFields();
    const f = this.fields;
    s.rows_total += 1;
    const d = this.day(f.ts < 0 ? undefined : values[slots[f.ts] as number]);
    const mature = f.mature < 0 ? undefined : values[slots[f.mature] as number];
    const labels = s.label_types;
    for (let t = 0; t < labels.length; t++) {
      const at = f.status[t] as number;
      this.addLabel(d, labels[t] as string, at < 0 ? undefined : values[slots[at] as number], mature);
    }
    for (let i = 0; i < columns.length; i++) this.addValue(i, columns[i] as ColumnStats, values[slots[i] as number]);
  }

  /**
   * A stand-in for value `v` of column `i` that `addValues` counts exactly as it counts `v`, and
   * that keeps less alive while a row waits for its labels: a number for a numeric column, `true`
   * for a column that only counts nulls (sensitive, counts; `ts_utc` stays itself, its day is
   * counted). Null and undefined, and values of categorical and mixed columns, stay themselves.
   */
  standIn(i: number, v: unknown): unknown {
    if (v === null || v === undefined) return v;
    this.fields ??= this.rowFields();
    if (i === this.fields.ts) return v;
    switch ((this.stats.columns[i] as ColumnStats).kind) {
      case 'numeric':
        // numberOf of a numeric column: a number as itself, a string as Number(string), anything else none (NaN: none either).
        return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
      case 'sensitive':
      case 'counts':
        return true;
      default:
        return v;
    }
  }

  /** Column indexes of `ts_utc`, `mature` and each label type's status (-1 where absent), for `addValues`. */
  private fields: { ts: number; mature: number; status: number[] } | undefined;

  private rowFields(): { ts: number; mature: number; status: number[] } {
    const index = new Map(this.stats.columns.map((c, i) => [c.name, i]));
    return {
      ts: index.get('ts_utc') ?? -1,
      mature: index.get('mature') ?? -1,
      status: this.stats.label_types.map((t) => index.get(`label_${t}_status`) ?? -1),
    };
  }

  /** The day entry of a row's `ts_utc` (counted). */
  private day(ts: unknown): DayStats {
    const day = typeof ts === 'string' ? ts.slice(0, 10) : 'unknown';
    let d = this.days.get(day);
    if (!d) {
      d = emptyDay(day, this.stats.label_types);
      this.days.set(day, d);
    }
    d.rows += 1;
    return d;
  }

  private addLabel(d: DayStats, labelType: string, status: unknown, mature: unknown): void {
    const c = d.labels[labelType] as DayLabelCounts;
    if (status === 'LABELLED') c.labelled += 1;
    else if (status === 'CONFLICT') c.conflict += 1;
    else c.unlabelled += 1;
    if (mature === false) c.immature += 1;
  }

  private addValue(i: number, col: ColumnStats, v: unknown): void {
    col.rows += 1;
    if (v === null || v === undefined) {
      col.nulls += 1;
      return;
    }
    const x = numberOf(col.kind, v);
    if (x !== undefined) {
      if (col.min === null || x < col.min) col.min = x;
      if (col.max === null || x > col.max) col.max = x;
      (col.histogram as number[])[numericBin(x)]! += 1;
    } else if (col.kind === 'categorical' || col.kind === 'mixed') {
      if (typeof v === 'object') return;
      const m = this.counts[i] as Map<string, number> | null;
      if (m === null) return;
      const key = String(v);
      m.set(key, (m.get(key) ?? 0) + 1);
      if (m.size > CATEGORICAL_MAX_VALUES) this.counts[i] = null;
    }
  }

  /** The statistics of the rows added so far (a fresh, sorted document). */
  result(): DatasetStats {
    const s = this.stats;
    return normalise({
      ...s,
      days: [...this.days.values()].map((d) => structuredClone(d)),
      columns: s.columns.map((c, i) => {
        const m = this.counts[i];
        return {
          ...c,
          histogram: c.histogram ? [...c.histogram] : null,
          values: c.kind !== 'categorical' && c.kind !== 'mixed' ? null : m ? [...m].map(([value, count]) => ({ value, count })) : null,
        };
      }),
      ...(this.delays ? { label_delays: this.delays.result() } : {}),
    });
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function normalise(s: DatasetStats): DatasetStats {
  s.days.sort((a, b) => compare(a.day, b.day));
  for (const c of s.columns) c.values?.sort((a, b) => compare(a.value, b.value));
  return s;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/**
 * Merges two statistics of disjoint row sets of the same dataset layout. Exact and associative
 * and commutative: counts add, min/max combine, value maps union (and become null once more than
 * `CATEGORICAL_MAX_VALUES` values are distinct, which happens iff the whole set has that many).
 */
export function mergeDatasetStats(a: DatasetStats, b: DatasetStats): DatasetStats {
  if (a.columns.length !== b.columns.length || a.label_types.join('\n') !== b.label_types.join('\n')) {
    throw new RangeError('mergeDatasetStats: the statistics describe different layouts');
  }
  const days = new Map<string, DayStats>();
  for (const d of [...a.days, ...b.days]) {
    const into = days.get(d.day) ?? emptyDay(d.day, a.label_types);
    into.rows += d.rows;
    for (const t of a.label_types) {
      const x = into.labels[t] as DayLabelCounts;
      const y = d.labels[t] as DayLabelCounts;
      x.labelled += y.labelled;
      x.conflict += y.conflict;
      x.unlabelled += y.unlabelled;
      x.immature += y.immature;
    }
    days.set(d.day, into);
  }
  const columns = a.columns.map((x, i) => {
    const y = b.columns[i] as ColumnStats;
    if (x.name !== y.name) throw new RangeError(`mergeDatasetStats: column ${i} is ${x.name} and ${y.name}`);
    let values: ColumnStats['values'] = null;
    if (x.values && y.values) {
      const m = new Map<string, number>();
      for (const v of [...x.values, ...y.values]) m.set(v.value, (m.get(v.value) ?? 0) + v.count);
      values = m.size > CATEGORICAL_MAX_VALUES ? null : [...m].map(([value, count]) => ({ value, count }));
    }
    return {
      ...x,
      rows: x.rows + y.rows,
      nulls: x.nulls + y.nulls,
      min: minOf(x.min, y.min),
      max: maxOf(x.max, y.max),
      histogram: x.histogram && y.histogram ? x.histogram.map((n, j) => n + (y.histogram as number[])[j]!) : null,
      values,
    };
  });
  if ((a.label_delays === undefined) !== (b.label_delays === undefined)) {
    throw new RangeError('mergeDatasetStats: only one of the statistics has label delays');
  }
  const merged: DatasetStats = { ...a, rows_total: a.rows_total + b.rows_total, days: [...days.values()], columns };
  if (a.label_delays && b.label_delays) merged.label_delays = mergeLabelDelays(a.label_delays, b.label_delays);
  return normalise(merged);
}

/** Adds two label delay distributions of the same label types (exact: counts add). */
export function mergeLabelDelays(a: LabelDelays, b: LabelDelays): LabelDelays {
  const types = Object.keys(a.by_type).sort();
  if (types.join('\n') !== Object.keys(b.by_type).sort().join('\n')) throw new RangeError('mergeLabelDelays: different label types');
  const by_type: Record<string, LabelDelayCounts> = {};
  for (const t of types) {
    const x = a.by_type[t] as LabelDelayCounts;
    const y = b.by_type[t] as LabelDelayCounts;
    by_type[t] = { histogram: x.histogram.map((n, i) => n + (y.histogram[i] as number)), unknown: x.unknown + y.unknown };
  }
  return { bins: 'label_delay.v1', by_type };
}

/** The label coverage of one day and type: labelled over rows (0 when the day has no rows). */
export function dayCoverage(day: DayStats, labelType: string): number {
  const c = day.labels[labelType];
  return c && day.rows > 0 ? c.labelled / day.rows : 0;
}
