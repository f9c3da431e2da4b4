import { type CompiledEntity, type CompiledProfile, valueAt } from './compile-profile.js';
import { EventTimeParser } from './event-time.js';
import { type EventTime, PartitionWindows } from './windows.js';

/** The fields of an event the feature engine reads (a `ReplayRecord` has them all). */
export interface FeatureEventInput {
  readonly topic: string;
  readonly event_id: string;
  /** RFC 3339 instant with an explicit zone. */
  readonly ts_utc: string;
  /** The event payload (a JSON object). */
  readonly payload: object;
}

/** What `BatchFeatures.advance` returns; reused by the next call (copy what must outlive it). */
export interface AdvancedEvent {
  /** The event time (epoch ms + sub-millisecond nanoseconds). */
  readonly time: EventTime;
  /** The canonical UTC spelling of `ts_utc`. */
  readonly canonical: string;
  /** Whether the event's topic produces rows (`row_topics`, default all). */
  readonly isRow: boolean;
}

/**
 * The batch face of the feature engine: the windowed features of a stream of topic partitions,
 * each evaluated in offset order (what reconstruction uses). Call `startPartition()` before the
 * first event of each topic partition, then `advance` once per deduplicated event. Window values
 * of a row event are written into a caller-owned array (no allocation per event), in
 * `profile.windows` order.
 */
export class BatchFeatures {
  /** The value paths the windows read, one slot per distinct path. */
  readonly valuePaths: readonly (readonly string[])[];
  /** Per window (`profile.windows` order): its value slot, `-1` for `count`. */
  readonly valueSlots: readonly number[];
  private readonly times = new EventTimeParser();
  private windows: PartitionWindows | undefined;
  private readonly keys: unknown[];
  private readonly rawValues: unknown[];
  private readonly event: { topic: string; event_id: string; time: EventTime; keys: unknown[]; values: unknown[] };
  private readonly result: { time: EventTime; canonical: string; isRow: boolean } = {
    time: { ms: 0, sub: 0 },
    canonical: '',
    isRow: false,
  };

  constructor(readonly profile: CompiledProfile) {
    const valuePaths: string[][] = [];
    this.valueSlots = profile.windows.map((w) => {
      if (!w.path) return -1;
      const joined = w.path.join('.');
      let slot = valuePaths.findIndex((p) => p.join('.') === joined);
      if (slot < 0) slot = valuePaths.push([...w.path]) - 1;
      return slot;
    });
    this.valuePaths = valuePaths;
    this.keys = new Array(profile.entities.length);
    this.rawValues = new Array(valuePaths.length);
    this.event = { topic: '', event_id: '', time: { ms: 0, sub: 0 }, keys: this.keys, values: this.rawValues };
  }

  /** Starts a new topic partition: window state never crosses partitions. */
  startPartition(): void {
    this.windows = new PartitionWindows(this.profile, this.valueSlots);
  }

  /** The window state of the current partition (for the online face and tests). */
  get partition(): PartitionWindows {
    if (!this.windows) this.startPartition();
    return this.windows as PartitionWindows;
  }

  /**
   * Processes one deduplicated event of the current partition (offset order): when `out` is
   * given, first writes every window's value as the event sees it into `out[base + i]` (`i` the
   * window's index in `profile.windows`; `null` where the event has no key of the window's
   * entity), then adds the event to the windows it updates. Pass `out` for row events only (or
   * for any event whose features are wanted: reading changes no value). Throws
   * `REPLAY_RECORD_INVALID` for a timestamp without a zone and `FEATURE_VALUE_INVALID` for a
   * numeric aggregate over a non-number.
   */
  advance(input: FeatureEventInput, out?: unknown[], base = 0): AdvancedEvent {
    const profile = this.profile;
    const { time, canonical } = this.times.parse(input.ts_utc, input.event_id);
    const payload = input.payload as Record<string, unknown>;
    const keys = this.keys;
    for (let e = 0; e < profile.entities.length; e++) keys[e] = entityKey(valueAt(payload, (profile.entities[e] as CompiledEntity).path));
    const paths = this.valuePaths;
    for (let v = 0; v < paths.length; v++) this.rawValues[v] = valueAt(payload, paths[v] as string[]);
    const event = this.event;
    event.topic = input.topic;
    event.event_id = input.event_id;
    event.time.ms = time.ms;
    event.time.sub = time.sub;
    this.partition.advance(event, out, base);
    const r = this.result;
    r.time.ms = time.ms;
    r.time.sub = time.sub;
    r.canonical = canonical;
    r.isRow = this.isRowTopic(input.topic);
    return r;
  }

  /** The entity keys of the last event passed to `advance` (`undefined` where it had none); overwritten by the next call. */
  get lastKeys(): readonly unknown[] {
    return this.keys;
  }

  /** Whether events of `topic` produce rows. */
  isRowTopic(topic: string): boolean {
    return this.profile.rowTopics === undefined || this.profile.rowTopics.has(topic);
  }
}

/**
 * The window-state key of an entity value: the primitive itself (so `"1"` and `1` are different
 * keys); `undefined` when absent, empty or not a scalar.
 */
export function entityKey(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'boolean':
      return value;
    default:
      return undefined;
  }
}
