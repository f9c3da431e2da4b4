import { type Column, compareCodePoints, OfsError, type ValueType } from '@ofs/contracts';
import { canonicalJson, canonicalNumber, canonicalString } from '@ofs/ids';
import type { ByteBuffer } from './byte-buffer.js';
import type { CompiledProfile, CompiledWindow } from '@ofs/features';
import { type ColumnCoercer, coercerFor, columnTypeFields } from './column-types.js';

/**
 * The row layout (docs/decisions.md, "row layout"): one flat JSON object per row with the event
 * columns, `entity_<name>` keys, features by name and three columns per label type. Rows are
 * canonical JSON (keys in code-point order, identity-law escaping), one per line.
 */
export interface RowLayout {
  /** Columns in canonical (code point) order: the order keys appear in every row line. */
  readonly columns: readonly Column[];
  /** The internal slot (value array index) of each of `columns`. */
  readonly slots: readonly number[];
  /** Number of slots of a row's value array (internal order, see the `*Slot` fields). */
  readonly width: number;
  readonly entitySlot: number;
  readonly fieldSlot: number;
  readonly windowSlot: number;
  /** Slot of `label_<type>`; `_status` and `_assertion_id` follow it. */
  readonly labelSlot: number;
  readonly labelTypes: readonly string[];
  /** Encodes a row's value array as its canonical JSON line (no trailing newline). */
  encode(values: readonly unknown[]): string;
  /** The row object of a value array (for tests and `readDataset` comparisons). */
  toObject(values: readonly unknown[]): Record<string, unknown>;
  /** The same line in pieces, for rows whose label columns are filled later (see `SplitRowEncoder`). */
  readonly split: SplitRowEncoder;
  /**
   * By internal slot: the coercer of a typed column (profile v2: payload value → row value, or
   * `COLUMN_VALUE_OUT_OF_TYPE`); `undefined` where values pass unchanged.
   */
  readonly coercers: readonly (ColumnCoercer | undefined)[];
}

/**
 * A row line cut at the label columns, so the columns known when the event is read can be
 * encoded at once (and the value array reused) while the label columns wait for their batch.
 * The line is `early(0) + late(0) + early(1) + late(1) + … + early(lateRuns)`: `early(i)` covers
 * the i-th run of event/entity/feature columns in canonical order (the last one ends with `}`),
 * `late(i)` the i-th run of label columns and `mature`. Either may be empty.
 */
export interface SplitRowEncoder {
  /** Number of late runs; there is one early run more. */
  readonly lateRuns: number;
  /** The slots of the early runs' columns (every slot that is not a label slot or `mature`). */
  readonly earlySlots: readonly number[];
  /** Encodes early run `run` of a value array. */
  early(values: readonly unknown[], run: number): string;
  /** Encodes late run `run` of a value array (label and `mature` slots). */
  late(values: readonly unknown[], run: number): string;
  /** Writes early run `run` of a value array as UTF-8 into `sink` (the bytes of `early`). */
  writeEarly(values: readonly unknown[], run: number, sink: ByteBuffer): void;
  /** Writes late run `run` of a value array as UTF-8 into `sink` (the bytes of `late`). */
  writeLate(values: readonly unknown[], run: number, sink: ByteBuffer): void;
}

/** Internal slots of the event columns. */
export const EVENT_SLOTS = {
  event_id: 0,
  topic: 1,
  partition: 2,
  offset: 3,
  offset_kind: 4,
  ts_utc: 5,
  payload_hash: 6,
  mature: 7,
} as const;

const EVENT_COLUMNS: Column[] = [
  { name: 'event_id', type: 'string', nullable: false, source: 'event' },
  { name: 'topic', type: 'string', nullable: false, source: 'event' },
  { name: 'partition', type: 'integer', nullable: false, source: 'event' },
  { name: 'offset', type: 'string', nullable: false, source: 'event', description: 'Canonical decimal offset.' },
  { name: 'offset_kind', type: 'string', nullable: false, source: 'event' },
  { name: 'ts_utc', type: 'string', nullable: false, source: 'event', description: 'Event time, canonical UTC instant.' },
  { name: 'payload_hash', type: 'string', nullable: false, source: 'event' },
  {
    name: 'mature',
    type: 'boolean',
    nullable: false,
    source: 'label',
    description: 'false when ts_utc > label_asof_utc − maturity_days (only in non-training datasets).',
  },
];

/** The derived type of a window column of a typed (v2) profile (docs/decisions.md D91). */
export function windowValueType(w: CompiledWindow): ValueType {
  const source = w.valueType;
  switch (w.aggregate) {
    case 'count':
    case 'distinct_count':
      return { type: 'int64' };
    case 'sum':
      return { type: 'decimal', precision: 38, scale: source?.type === 'decimal' ? source.scale : 0 };
    case 'mean':
      return { type: 'decimal', precision: 38, scale: 6 };
    default:
      return source ?? { type: 'json' };
  }
}

/**
 * Builds the row layout of a profile and the policy's label types. For a typed (v2) profile,
 * fields take their declared types, windows derive theirs (`windowValueType`), label value
 * columns take `labelValueTypes[type]` (default `string`) and integer event columns are `int64`.
 */
export function rowLayout(
  profile: CompiledProfile,
  labelTypes: readonly string[],
  labelValueTypes: Readonly<Record<string, ValueType>> = {},
): RowLayout {
  const typed = profile.typed;
  const internal: Column[] = EVENT_COLUMNS.map((c) => (typed && c.type === 'integer' ? { ...c, type: 'int64' } : { ...c }));
  const entitySlot = internal.length;
  for (const e of profile.entities) {
    internal.push({
      name: e.column,
      type: 'json',
      nullable: true,
      source: 'entity',
      description: `Key of entity ${e.name} (payload ${e.path.join('.')}).`,
    });
  }
  const fieldSlot = internal.length;
  for (const f of profile.fields) {
    internal.push({
      name: f.name,
      ...(f.type ? columnTypeFields(f.type) : { type: 'json' as const }),
      nullable: true,
      source: 'feature',
      description: `Payload ${f.path.join('.')}.`,
    });
  }
  const windowSlot = internal.length;
  for (const w of profile.windows) {
    const type = w.aggregate === 'count' || w.aggregate === 'distinct_count' ? 'integer' : w.aggregate === 'last' ? 'json' : 'decimal';
    const entity = profile.entities[w.entity];
    internal.push({
      name: w.name,
      ...(typed ? columnTypeFields(windowValueType(w)) : { type }),
      nullable: true,
      source: 'feature',
      description: `${w.aggregate}${w.path ? ` of ${w.path.join('.')}` : ''} per ${entity?.name} over ${w.windowMs / 1000}s before the event.`,
    });
  }
  const labelSlot = internal.length;
  for (const t of labelTypes) {
    internal.push({
      name: `label_${t}`,
      ...(typed ? columnTypeFields(labelValueTypes[t] ?? { type: 'string' }) : { type: 'json' as const }),
      nullable: true,
      source: 'label',
      description: `Label ${t} as of the cutoff.`,
    });
    internal.push({
      name: `label_${t}_status`,
      type: 'string',
      nullable: false,
      source: 'label',
      description: 'LABELLED, CONFLICT or UNLABELLED.',
    });
    internal.push({ name: `label_${t}_assertion_id`, type: 'string', nullable: true, source: 'label' });
  }
  const order = internal.map((_, i) => i).sort((a, b) => compareCodePoints((internal[a] as Column).name, (internal[b] as Column).name));
  const columns = order.map((i) => internal[i] as Column);
  for (let i = 1; i < columns.length; i++) {
    if ((columns[i] as Column).name === (columns[i - 1] as Column).name) {
      const name = (columns[i] as Column).name;
      throw new OfsError('FEATURE_PROFILE_INVALID', { message: `row column ${name} would appear twice`, details: { column: name } });
    }
  }
  const prefixes = order.map((i, k) => `${k === 0 ? '{' : ','}${canonicalString((internal[i] as Column).name)}:`);
  const n = order.length;
  // Serialises with a precomputed key order instead of sorting keys per row (see bench/results/publish.md).
  const encode = (values: readonly unknown[]): string => {
    let line = '';
    for (let k = 0; k < n; k++) line += (prefixes[k] as string) + encodeValue(values[order[k] as number]);
    return `${line}}`;
  };
  const toObject = (values: readonly unknown[]): Record<string, unknown> => {
    const row: Record<string, unknown> = {};
    for (const i of order) row[(internal[i] as Column).name] = values[i] ?? null;
    return row;
  };
  const split = splitEncoder(order, prefixes, (i) => i === EVENT_SLOTS.mature || i >= labelSlot);
  const coercers = internal.map((c, i) => (typed && i >= fieldSlot ? coercerFor(c) : undefined));
  return {
    columns,
    slots: order,
    width: internal.length,
    entitySlot,
    fieldSlot,
    windowSlot,
    labelSlot,
    labelTypes,
    encode,
    toObject,
    split,
    coercers,
  };
}

/** One run of consecutive row columns: their `,"key":` prefixes and value slots. */
interface ColumnRun {
  readonly prefixes: readonly string[];
  readonly slots: readonly number[];
  readonly suffix: string;
}

/** A column run compiled to bytes: each column's `,"key":` prefix UTF-8 encoded once. */
interface ByteRun {
  readonly prefixes: readonly Uint8Array[];
  readonly slots: readonly number[];
  readonly suffix: Uint8Array;
}

const utf8 = new TextEncoder();
const NULL = utf8.encode('null');
const TRUE = utf8.encode('true');
const FALSE = utf8.encode('false');

function compileRun(run: ColumnRun): ByteRun {
  return { prefixes: run.prefixes.map((p) => utf8.encode(p)), slots: run.slots, suffix: utf8.encode(run.suffix) };
}

function writeRun(run: ByteRun, values: readonly unknown[], sink: ByteBuffer): void {
  const n = run.slots.length;
  for (let k = 0; k < n; k++) {
    sink.writeBytes(run.prefixes[k] as Uint8Array);
    writeValue(values[run.slots[k] as number], sink);
  }
  if (run.suffix.byteLength > 0) sink.writeBytes(run.suffix);
}

/** Writes the canonical JSON of one column value (the bytes of `encodeValue`). */
export function writeValue(value: unknown, sink: ByteBuffer): void {
  switch (typeof value) {
    case 'string':
      if (!sink.writePlainQuoted(value)) sink.writeString(canonicalString(value));
      return;
    case 'number':
      sink.writeString(Number.isSafeInteger(value) ? String(value) : canonicalNumber(value));
      return;
    case 'boolean':
      sink.writeBytes(value ? TRUE : FALSE);
      return;
    case 'undefined':
      sink.writeBytes(NULL);
      return;
    default:
      if (value === null) sink.writeBytes(NULL);
      else sink.writeString(canonicalJson(value));
  }
}

/** Cuts the canonical column order into alternating early/late runs (`isLate(slot)`). */
function splitEncoder(order: readonly number[], prefixes: readonly string[], isLate: (slot: number) => boolean): SplitRowEncoder {
  const early: { prefixes: string[]; slots: number[]; suffix: string }[] = [{ prefixes: [], slots: [], suffix: '' }];
  const late: { prefixes: string[]; slots: number[]; suffix: string }[] = [];
  for (let k = 0; k < order.length; k++) {
    const slot = order[k] as number;
    if (isLate(slot)) {
      if (late.length === early.length - 1) late.push({ prefixes: [], slots: [], suffix: '' });
      const run = late[late.length - 1] as ColumnRun & { prefixes: string[]; slots: number[] };
      run.prefixes.push(prefixes[k] as string);
      run.slots.push(slot);
    } else {
      if (early.length === late.length) early.push({ prefixes: [], slots: [], suffix: '' });
      const run = early[early.length - 1] as ColumnRun & { prefixes: string[]; slots: number[] };
      run.prefixes.push(prefixes[k] as string);
      run.slots.push(slot);
    }
  }
  if (early.length === late.length) early.push({ prefixes: [], slots: [], suffix: '' });
  (early[early.length - 1] as { suffix: string }).suffix = '}';
  const encodeRun = (run: ColumnRun, values: readonly unknown[]): string => {
    let text = '';
    const n = run.slots.length;
    for (let k = 0; k < n; k++) text += (run.prefixes[k] as string) + encodeValue(values[run.slots[k] as number]);
    return text + run.suffix;
  };
  const earlyRuns: readonly ColumnRun[] = early;
  const lateRuns: readonly ColumnRun[] = late;
  const earlyBytes = early.map(compileRun);
  const lateBytes = late.map(compileRun);
  return {
    lateRuns: late.length,
    earlySlots: early.flatMap((run) => run.slots),
    early: (values, run) => encodeRun(earlyRuns[run] as ColumnRun, values),
    late: (values, run) => encodeRun(lateRuns[run] as ColumnRun, values),
    writeEarly: (values, run, sink) => writeRun(earlyBytes[run] as ByteRun, values, sink),
    writeLate: (values, run, sink) => writeRun(lateBytes[run] as ByteRun, values, sink),
  };
}

const PLAIN = /^[ !#-[\]-~]*$/;

/** The canonical JSON of one column value (`undefined` is written as `null`). */
export function encodeValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return PLAIN.test(value) ? `"${value}"` : canonicalString(value);
    case 'number':
      return Number.isSafeInteger(value) ? String(value) : canonicalNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    default:
      return value === null ? 'null' : canonicalJson(value);
  }
}
