import { OfsError, type WindowAggregate } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import type { CompiledProfile, CompiledWindow } from './compile-profile.js';
import { add, compareDec, type Dec, type Exact, formatExact, formatMeanExact, parseDec, scaleUp, sub } from './exact.js';

/**
 * Windowed features of one topic partition, evaluated in offset order.
 *
 * Semantics (docs/decisions.md, "windowed features"): for an event `e` and a window feature `f`
 * of entity `E` over `w` seconds, the window holds the earlier events `x` (offset order, same
 * topic partition, same key of `E`, topics of `f`, with a value at `f.path`) whose `ts` lies in
 * `(max(e.ts, P(e)) − w, e.ts]`, where `P(e)` is the largest `ts` among the partition's events up
 * to and including `e` (the partition watermark). For in-order timestamps `P(e) = e.ts` and this
 * is the usual `(ts − w, ts]` over earlier events; a late event sees what the online plane still
 * held. The event itself is read first and added after, so a row's windows describe what came
 * before it. State is evicted at the watermark, so memory is bounded by the events inside the
 * largest window.
 *
 * Features of one entity with the same window and topics share one entry list per key (a
 * "group"), with one value slot per feature, so an event costs one insertion per group.
 */

/** An event time: epoch milliseconds plus nanoseconds below the millisecond. */
export interface EventTime {
  ms: number;
  sub: number;
}

/** `a <= b − w` for times `a`, `b` and a window of `wMs` milliseconds. */
function expired(ams: number, asub: number, bms: number, bsub: number, wMs: number): boolean {
  const t = ams + wMs;
  return t < bms || (t === bms && asub <= bsub);
}

/** Features of one entity sharing a window length and topic set. */
interface GroupSpec {
  readonly windowMs: number;
  readonly topics: ReadonlySet<string> | undefined;
  /** Window indexes (into `profile.windows`) of the group's features. */
  readonly features: readonly number[];
  readonly aggregates: readonly WindowAggregate[];
  /** Value slot (into `WindowEvent.values`) per feature, `-1` for count. */
  readonly slots: readonly number[];
  readonly specs: readonly CompiledWindow[];
}

const HEADER = 3; // ms, sub, seq

/** Running aggregate of one feature of a group. */
class Aggregate {
  /** Entries with a value. */
  n = 0;
  sum: Exact = 0;
  scale = 0;
  distinct: Map<unknown, number> | undefined;
  extreme: Dec | undefined;
  extremeDirty = false;
}

/** One group's entries for one entity key: a flat array, `HEADER + k` slots per entry. */
class GroupState {
  data: unknown[] = [];
  head = 0;
  inOrder = true;
  readonly aggs: Aggregate[];

  constructor(readonly spec: GroupSpec) {
    this.aggs = spec.aggregates.map(() => new Aggregate());
  }

  get stride(): number {
    return HEADER + this.spec.features.length;
  }

  get size(): number {
    return (this.data.length - this.head) / this.stride;
  }

  evict(pms: number, psub: number): void {
    const { data, stride } = this;
    const w = this.spec.windowMs;
    let h = this.head;
    const end = data.length;
    if (h === end) return;
    while (h < end && expired(data[h] as number, data[h + 1] as number, pms, psub, w)) {
      for (let f = 0; f < this.aggs.length; f++) {
        const v = data[h + HEADER + f];
        if (v !== undefined) this.remove(f, v);
      }
      h += stride;
    }
    if (h === this.head) return;
    if (h === end) {
      this.data = [];
      this.head = 0;
      this.inOrder = true;
      for (const a of this.aggs) {
        a.n = 0;
        a.sum = 0;
        a.scale = 0;
        a.extreme = undefined;
        a.extremeDirty = false;
      }
      return;
    }
    this.head = h;
    if (h > 64 * stride && h * 2 > end) {
      this.data = data.slice(h);
      this.head = 0;
    }
  }

  private remove(f: number, value: unknown): void {
    const a = this.aggs[f] as Aggregate;
    a.n--;
    switch (this.spec.aggregates[f]) {
      case 'sum':
      case 'mean': {
        const d = value as Dec;
        a.sum = sub(a.sum, scaleUp(d.m, a.scale - d.s));
        break;
      }
      case 'min':
      case 'max':
        if (a.extreme !== undefined && compareDec(value as Dec, a.extreme) === 0) a.extremeDirty = true;
        break;
      case 'distinct_count': {
        const m = a.distinct as Map<unknown, number>;
        const c = (m.get(value) as number) - 1;
        if (c === 0) m.delete(value);
        else m.set(value, c);
        break;
      }
      default:
        break;
    }
  }

  /** Adds an entry; `values[f]` is `undefined` where the event has no value for feature `f`. */
  insert(ems: number, esub: number, seq: number, values: readonly unknown[]): void {
    const { data, stride } = this;
    const k = this.aggs.length;
    const end = data.length;
    let at = end;
    if (end > this.head) {
      const lms = data[end - stride] as number;
      if (lms > ems || (lms === ems && (data[end - stride + 1] as number) > esub)) {
        at = this.upperBound(ems, esub);
        this.inOrder = false;
      }
    }
    if (at === end) {
      data.push(ems, esub, seq);
      for (let f = 0; f < k; f++) data.push(values[f]);
    } else {
      const entry: unknown[] = [ems, esub, seq];
      for (let f = 0; f < k; f++) entry.push(values[f]);
      data.splice(at, 0, ...entry);
    }
    for (let f = 0; f < k; f++) {
      const v = values[f];
      if (v === undefined) continue;
      const a = this.aggs[f] as Aggregate;
      a.n++;
      switch (this.spec.aggregates[f]) {
        case 'sum':
        case 'mean': {
          const d = v as Dec;
          if (d.s > a.scale) {
            a.sum = scaleUp(a.sum, d.s - a.scale);
            a.scale = d.s;
          }
          a.sum = add(a.sum, scaleUp(d.m, a.scale - d.s));
          break;
        }
        case 'min':
        case 'max':
          if (!a.extremeDirty) {
            const d = v as Dec;
            const c = a.extreme === undefined ? 0 : compareDec(d, a.extreme);
            if (a.extreme === undefined || (this.spec.aggregates[f] === 'max' ? c > 0 : c < 0)) a.extreme = d;
          }
          break;
        case 'distinct_count': {
          a.distinct ??= new Map();
          a.distinct.set(v, (a.distinct.get(v) ?? 0) + 1);
          break;
        }
        default:
          break;
      }
    }
  }

  /** Index (into `data`) of the first entry with ts > e. */
  private upperBound(tms: number, tsub: number): number {
    const { data, stride } = this;
    let lo = this.head / stride;
    let hi = data.length / stride;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = data[mid * stride] as number;
      if (m < tms || (m === tms && (data[mid * stride + 1] as number) <= tsub)) lo = mid + 1;
      else hi = mid;
    }
    return lo * stride;
  }

  /** Reads every feature of the group for an event at `e` into `out` (at `base` + window index). */
  read(ems: number, esub: number, out: unknown[], base: number): void {
    const { data, stride, spec } = this;
    const end = data.length;
    if (end === this.head) {
      for (let f = 0; f < spec.features.length; f++)
        out[base + (spec.features[f] as number)] = emptyValue(spec.aggregates[f] as WindowAggregate);
      return;
    }
    const lms = data[end - stride] as number;
    const whole = lms < ems || (lms === ems && (data[end - stride + 1] as number) <= esub);
    const stop = whole ? end : this.upperBound(ems, esub);
    for (let f = 0; f < spec.features.length; f++) {
      const aggregate = spec.aggregates[f] as WindowAggregate;
      out[base + (spec.features[f] as number)] = whole ? this.readAll(f, aggregate) : this.scan(f, aggregate, stop);
    }
  }

  private readAll(f: number, aggregate: WindowAggregate): unknown {
    const a = this.aggs[f] as Aggregate;
    switch (aggregate) {
      case 'count':
        return a.n;
      case 'sum':
        return formatExact(a.sum, a.scale);
      case 'mean':
        return a.n === 0 ? null : formatMeanExact(a.sum, a.scale, a.n);
      case 'min':
      case 'max': {
        if (a.n === 0) return null;
        if (a.extremeDirty) {
          let best: Dec | undefined;
          for (let i = this.head + HEADER + f; i < this.data.length; i += this.stride) {
            const d = this.data[i] as Dec | undefined;
            if (d === undefined) continue;
            const c = best === undefined ? 0 : compareDec(d, best);
            if (best === undefined || (aggregate === 'max' ? c > 0 : c < 0)) best = d;
          }
          a.extreme = best;
          a.extremeDirty = false;
        }
        const e = a.extreme as Dec;
        return formatExact(e.m, e.s);
      }
      case 'last':
        if (a.n === 0) return null;
        if (this.inOrder) {
          for (let i = this.data.length - this.stride + HEADER + f; i >= this.head; i -= this.stride) {
            const v = this.data[i];
            if (v !== undefined) return v;
          }
          return null;
        }
        return this.scan(f, aggregate, this.data.length);
      case 'distinct_count':
        return a.distinct?.size ?? 0;
    }
  }

  /** An aggregate computed directly over the entries before index `stop` (late events). */
  private scan(f: number, aggregate: WindowAggregate, stop: number): unknown {
    const { data, stride } = this;
    const values: unknown[] = [];
    const seqs: number[] = [];
    for (let i = this.head; i < stop; i += stride) {
      const v = data[i + HEADER + f];
      if (aggregate === 'count') {
        values.push(true);
        continue;
      }
      if (v === undefined) continue;
      values.push(v);
      seqs.push(data[i + 2] as number);
    }
    if (values.length === 0) return emptyValue(aggregate);
    switch (aggregate) {
      case 'count':
        return values.length;
      case 'sum':
      case 'mean': {
        let scale = 0;
        for (const v of values) scale = Math.max(scale, (v as Dec).s);
        let sum: Exact = 0;
        for (const v of values) sum = add(sum, scaleUp((v as Dec).m, scale - (v as Dec).s));
        return aggregate === 'sum' ? formatExact(sum, scale) : formatMeanExact(sum, scale, values.length);
      }
      case 'min':
      case 'max': {
        let best = values[0] as Dec;
        for (const v of values) {
          const c = compareDec(v as Dec, best);
          if (aggregate === 'max' ? c > 0 : c < 0) best = v as Dec;
        }
        return formatExact(best.m, best.s);
      }
      case 'last': {
        let at = 0;
        for (let i = 1; i < seqs.length; i++) if ((seqs[i] as number) > (seqs[at] as number)) at = i;
        return values[at];
      }
      case 'distinct_count':
        return new Set(values).size;
    }
  }
}

/** The value of an aggregate over no entries. */
export function emptyValue(aggregate: WindowAggregate): unknown {
  return aggregate === 'count' || aggregate === 'distinct_count' ? 0 : aggregate === 'sum' ? '0' : null;
}

/** The key a value is counted under by `distinct_count`: primitives as themselves (so `"1"` and `1` differ), anything else as canonical JSON. */
export function distinctKey(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? `\u0000${canonicalJson(value)}` : value;
}

/** One event as the window engine sees it. */
export interface WindowEvent {
  readonly topic: string;
  readonly event_id: string;
  readonly time: EventTime;
  /** Entity key per profile entity (a string, number or boolean; `undefined` when the payload has none). */
  readonly keys: readonly unknown[];
  /** Raw payload values per value slot. */
  readonly values: readonly unknown[];
}

/** Emptied key states kept for reuse per entity, at most. */
const STATE_POOL_LIMIT = 4096;

/** Sweep idle keys after at least this many events (and at least as many events as live keys: amortised O(1)). */
const SWEEP_MIN_EVENTS = 2048;

/** Groups the profile's window features by (entity, window, topics). */
function groupWindows(profile: CompiledProfile, valueSlots: readonly number[]): GroupSpec[][] {
  return profile.entities.map((_, e) => {
    const groups = new Map<string, { windowMs: number; topics: ReadonlySet<string> | undefined; features: number[] }>();
    profile.windows.forEach((w, i) => {
      if (w.entity !== e) return;
      const id = `${w.windowMs}|${w.topics ? [...w.topics].sort().join(',') : '*'}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { windowMs: w.windowMs, topics: w.topics, features: [] }));
      g.features.push(i);
    });
    return [...groups.values()].map((g) => ({
      windowMs: g.windowMs,
      topics: g.topics,
      features: g.features,
      aggregates: g.features.map((i) => (profile.windows[i] as CompiledWindow).aggregate),
      slots: g.features.map((i) => valueSlots[i] as number),
      specs: g.features.map((i) => profile.windows[i] as CompiledWindow),
    }));
  });
}

/**
 * Window state of one topic partition. Create one per partition; feed every deduplicated event
 * in offset order with `advance`.
 */
export class PartitionWindows {
  private readonly byEntity: Map<unknown, GroupState[]>[];
  private readonly groups: GroupSpec[][];
  /** Per entity: emptied group states of forgotten keys, reused for new keys (fewer allocations). */
  private readonly pools: GroupState[][][];
  private readonly scratch: unknown[] = [];
  /** Decimal parsed from each value slot for the event `decSeq[slot]` (decimals are immutable, so entries share them). */
  private readonly decs: (Dec | undefined)[] = [];
  private readonly decSeq: number[] = [];
  private pms = Number.NEGATIVE_INFINITY;
  private psub = 0;
  private seq = 0;
  private sinceSweep = 0;

  constructor(profile: CompiledProfile, valueSlots: readonly number[]) {
    this.groups = groupWindows(profile, valueSlots);
    this.byEntity = profile.entities.map(() => new Map());
    this.pools = profile.entities.map(() => []);
  }

  /** Number of entity keys with live state (for tests and memory accounting). */
  get liveKeys(): number {
    let n = 0;
    for (const m of this.byEntity) n += m.size;
    return n;
  }

  /**
   * Processes one event: advances the watermark, reads every window (into `out` at `base` +
   * window index, when `out` is given: a row event) and then adds the event to the windows it
   * updates.
   */
  advance(event: WindowEvent, out: unknown[] | undefined, base = 0): void {
    const { ms, sub } = event.time;
    if (ms > this.pms || (ms === this.pms && sub > this.psub)) {
      this.pms = ms;
      this.psub = sub;
    }
    const seq = this.seq++;
    const scratch = this.scratch;
    for (let e = 0; e < this.byEntity.length; e++) {
      const key = event.keys[e];
      const groups = this.groups[e] as GroupSpec[];
      if (key === undefined) {
        if (out) for (const g of groups) for (const w of g.features) out[base + w] = null;
        continue;
      }
      const map = this.byEntity[e] as Map<unknown, GroupState[]>;
      let states = map.get(key);
      for (let j = 0; j < groups.length; j++) {
        const spec = groups[j] as GroupSpec;
        let state = states?.[j];
        if (state) state.evict(this.pms, this.psub);
        if (out) {
          if (state) state.read(ms, sub, out, base);
          else
            for (let f = 0; f < spec.features.length; f++)
              out[base + (spec.features[f] as number)] = emptyValue(spec.aggregates[f] as WindowAggregate);
        }
        if (spec.topics !== undefined && !spec.topics.has(event.topic)) continue;
        if (expired(ms, sub, this.pms, this.psub, spec.windowMs)) continue;
        scratch.length = spec.features.length;
        for (let f = 0; f < spec.features.length; f++) {
          const slot = spec.slots[f] as number;
          if (slot < 0) {
            scratch[f] = true;
            continue;
          }
          const raw = event.values[slot];
          if (raw === undefined || raw === null) {
            scratch[f] = undefined;
            continue;
          }
          const w = spec.specs[f] as CompiledWindow;
          if (NUMERIC[w.aggregate]) {
            // One parsed decimal per value slot and event, shared by every numeric feature of it.
            if (this.decSeq[slot] !== seq) {
              this.decs[slot] = windowValue(w, raw, event.event_id) as Dec;
              this.decSeq[slot] = seq;
            }
            scratch[f] = this.decs[slot];
          } else {
            scratch[f] = windowValue(w, raw, event.event_id);
          }
        }
        if (!states) {
          states = (this.pools[e] as GroupState[][]).pop() ?? groups.map((g) => new GroupState(g));
          map.set(key, states);
        }
        state ??= states[j] as GroupState;
        state.insert(ms, sub, seq, scratch);
      }
    }
    if (++this.sinceSweep >= SWEEP_MIN_EVENTS && this.sinceSweep >= this.liveKeys) this.sweep();
  }

  /** The partition watermark: the largest event time seen so far (`undefined` before the first event). */
  get watermark(): EventTime | undefined {
    return this.pms === Number.NEGATIVE_INFINITY ? undefined : { ms: this.pms, sub: this.psub };
  }

  /**
   * Reads every window of entity `e` (index into `profile.entities`) for `key` as an event of
   * that key at the watermark would see it, into `out[base + i]` (`i` the window's index in
   * `profile.windows`); windows of other entities are left untouched. Before the first event
   * every window reads empty.
   */
  readEntity(e: number, key: unknown, out: unknown[], base = 0): void {
    const groups = this.groups[e] as GroupSpec[];
    const states = (this.byEntity[e] as Map<unknown, GroupState[]>).get(key);
    for (let j = 0; j < groups.length; j++) {
      const spec = groups[j] as GroupSpec;
      const state = states?.[j];
      if (state && this.pms !== Number.NEGATIVE_INFINITY) {
        state.evict(this.pms, this.psub);
        state.read(this.pms, this.psub, out, base);
      } else {
        for (let f = 0; f < spec.features.length; f++)
          out[base + (spec.features[f] as number)] = emptyValue(spec.aggregates[f] as WindowAggregate);
      }
    }
  }

  /** Evicts every key at the watermark and forgets keys with no live entries. */
  sweep(): void {
    this.sinceSweep = 0;
    for (let e = 0; e < this.byEntity.length; e++) {
      const map = this.byEntity[e] as Map<unknown, GroupState[]>;
      const pool = this.pools[e] as GroupState[][];
      for (const [key, states] of map) {
        let live = false;
        for (const s of states) {
          s.evict(this.pms, this.psub);
          if (s.size > 0) live = true;
        }
        if (!live) {
          map.delete(key);
          // Emptied states equal fresh ones (evict resets them), so they are reused for new keys.
          if (pool.length < STATE_POOL_LIMIT) pool.push(states);
        }
      }
    }
  }
}

/** Aggregates whose entries hold an exact decimal. */
const NUMERIC: Readonly<Record<WindowAggregate, boolean>> = {
  count: false,
  sum: true,
  mean: true,
  min: true,
  max: true,
  last: false,
  distinct_count: false,
};

/** The stored form of a window's value: exact decimal for numeric aggregates, a key for distinct_count, raw for last. */
function windowValue(spec: CompiledWindow, raw: unknown, eventId: string): unknown {
  switch (spec.aggregate) {
    case 'sum':
    case 'mean':
    case 'min':
    case 'max': {
      const d = parseDec(raw);
      if (d === undefined) {
        throw new OfsError('FEATURE_VALUE_INVALID', {
          message: `feature ${spec.name}: event ${eventId} has ${JSON.stringify(raw)?.slice(0, 60)} at ${spec.path?.join('.')}, not a number or decimal string`,
          details: { feature: spec.name, event_id: eventId, path: spec.path?.join('.') },
        });
      }
      return d;
    }
    case 'distinct_count':
      return distinctKey(raw);
    default:
      return raw;
  }
}
