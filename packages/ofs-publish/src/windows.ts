import { OfsError, type WindowAggregate } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';
import type { CompiledProfile, CompiledWindow } from './compile-profile.js';
import { compareDecimals, formatDecimal, formatMean, parseDecimal, rescale, type ScaledDecimal } from './decimal.js';

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

/** One window feature's state for one entity key. */
class WindowState {
  ms: number[] = [];
  sub: number[] = [];
  seq: number[] = [];
  vals: unknown[] = [];
  head = 0;
  sum = 0n;
  scale = 0;
  distinct: Map<string, number> | undefined;
  extreme: ScaledDecimal | undefined;
  extremeDirty = false;
  inOrder = true;

  constructor(aggregate: WindowAggregate) {
    if (aggregate === 'distinct_count') this.distinct = new Map();
  }

  get size(): number {
    return this.ms.length - this.head;
  }

  evict(spec: CompiledWindow, pms: number, psub: number): void {
    const { ms, sub } = this;
    let h = this.head;
    const n = ms.length;
    while (h < n && expired(ms[h] as number, sub[h] as number, pms, psub, spec.windowMs)) {
      this.remove(spec, this.vals[h]);
      this.vals[h] = undefined;
      h++;
    }
    if (h === this.head) return;
    if (h === n) {
      this.ms = [];
      this.sub = [];
      this.seq = [];
      this.vals = [];
      this.head = 0;
      this.sum = 0n;
      this.scale = 0;
      this.inOrder = true;
      this.extreme = undefined;
      this.extremeDirty = false;
      return;
    }
    this.head = h;
    if (h > 64 && h * 2 > n) {
      this.ms = ms.slice(h);
      this.sub = sub.slice(h);
      this.seq = this.seq.slice(h);
      this.vals = this.vals.slice(h);
      this.head = 0;
    }
  }

  private remove(spec: CompiledWindow, value: unknown): void {
    switch (spec.aggregate) {
      case 'sum':
      case 'mean': {
        const d = value as ScaledDecimal;
        this.sum -= rescale(d.mantissa, d.scale, this.scale);
        break;
      }
      case 'min':
      case 'max':
        if (this.extreme !== undefined && compareDecimals(value as ScaledDecimal, this.extreme) === 0) this.extremeDirty = true;
        break;
      case 'distinct_count': {
        const m = this.distinct as Map<string, number>;
        const k = value as string;
        const c = (m.get(k) as number) - 1;
        if (c === 0) m.delete(k);
        else m.set(k, c);
        break;
      }
      default:
        break;
    }
  }

  insert(spec: CompiledWindow, ems: number, esub: number, seq: number, value: unknown): void {
    const { ms, sub } = this;
    const n = ms.length;
    let at = n;
    if (n > this.head) {
      const lms = ms[n - 1] as number;
      if (lms > ems || (lms === ems && (sub[n - 1] as number) > esub)) {
        // Late event: insert after every entry with ts <= e.ts.
        at = upperBound(ms, sub, this.head, n, ems, esub);
        this.inOrder = false;
      }
    }
    if (at === n) {
      ms.push(ems);
      sub.push(esub);
      this.seq.push(seq);
      this.vals.push(value);
    } else {
      ms.splice(at, 0, ems);
      sub.splice(at, 0, esub);
      this.seq.splice(at, 0, seq);
      this.vals.splice(at, 0, value);
    }
    switch (spec.aggregate) {
      case 'sum':
      case 'mean': {
        const d = value as ScaledDecimal;
        if (d.scale > this.scale) {
          this.sum = rescale(this.sum, this.scale, d.scale);
          this.scale = d.scale;
        }
        this.sum += rescale(d.mantissa, d.scale, this.scale);
        break;
      }
      case 'min':
      case 'max':
        if (!this.extremeDirty) {
          const d = value as ScaledDecimal;
          const c = this.extreme === undefined ? 0 : compareDecimals(d, this.extreme);
          if (this.extreme === undefined || (spec.aggregate === 'max' ? c > 0 : c < 0)) this.extreme = d;
        }
        break;
      case 'distinct_count': {
        const m = this.distinct as Map<string, number>;
        const k = value as string;
        m.set(k, (m.get(k) ?? 0) + 1);
        break;
      }
      default:
        break;
    }
  }

  /** The feature value for an event at `e`: over every retained entry with ts <= e. */
  read(spec: CompiledWindow, ems: number, esub: number): unknown {
    const n = this.ms.length;
    const h = this.head;
    if (n === h) return emptyValue(spec.aggregate);
    const lms = this.ms[n - 1] as number;
    const whole = lms < ems || (lms === ems && (this.sub[n - 1] as number) <= esub);
    if (whole) return this.readAll(spec);
    const end = upperBound(this.ms, this.sub, h, n, ems, esub);
    return scan(spec.aggregate, this.vals, this.seq, h, end);
  }

  private readAll(spec: CompiledWindow): unknown {
    const count = this.ms.length - this.head;
    switch (spec.aggregate) {
      case 'count':
        return count;
      case 'sum':
        return formatDecimal(this.sum, this.scale);
      case 'mean':
        return formatMean(this.sum, this.scale, count);
      case 'min':
      case 'max': {
        if (this.extremeDirty) {
          let best: ScaledDecimal | undefined;
          for (let i = this.head; i < this.ms.length; i++) {
            const d = this.vals[i] as ScaledDecimal;
            const c = best === undefined ? 0 : compareDecimals(d, best);
            if (best === undefined || (spec.aggregate === 'max' ? c > 0 : c < 0)) best = d;
          }
          this.extreme = best;
          this.extremeDirty = false;
        }
        const e = this.extreme as ScaledDecimal;
        return formatDecimal(e.mantissa, e.scale);
      }
      case 'last':
        if (this.inOrder) return this.vals[this.ms.length - 1];
        return scan('last', this.vals, this.seq, this.head, this.ms.length);
      case 'distinct_count':
        return (this.distinct as Map<string, number>).size;
    }
  }
}

function upperBound(ms: number[], sub: number[], lo: number, hi: number, tms: number, tsub: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const m = ms[mid] as number;
    if (m < tms || (m === tms && (sub[mid] as number) <= tsub)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The value of an aggregate over no entries. */
export function emptyValue(aggregate: WindowAggregate): unknown {
  return aggregate === 'count' || aggregate === 'distinct_count' ? 0 : aggregate === 'sum' ? '0' : null;
}

/** An aggregate computed directly over `vals[from..to)` (entries carry their arrival `seq`). */
function scan(aggregate: WindowAggregate, vals: unknown[], seq: number[], from: number, to: number): unknown {
  if (to <= from) return emptyValue(aggregate);
  switch (aggregate) {
    case 'count':
      return to - from;
    case 'sum':
    case 'mean': {
      let scale = 0;
      for (let i = from; i < to; i++) scale = Math.max(scale, (vals[i] as ScaledDecimal).scale);
      let sum = 0n;
      for (let i = from; i < to; i++) {
        const d = vals[i] as ScaledDecimal;
        sum += rescale(d.mantissa, d.scale, scale);
      }
      return aggregate === 'sum' ? formatDecimal(sum, scale) : formatMean(sum, scale, to - from);
    }
    case 'min':
    case 'max': {
      let best = vals[from] as ScaledDecimal;
      for (let i = from + 1; i < to; i++) {
        const c = compareDecimals(vals[i] as ScaledDecimal, best);
        if (aggregate === 'max' ? c > 0 : c < 0) best = vals[i] as ScaledDecimal;
      }
      return formatDecimal(best.mantissa, best.scale);
    }
    case 'last': {
      let at = from;
      for (let i = from + 1; i < to; i++) if ((seq[i] as number) > (seq[at] as number)) at = i;
      return vals[at];
    }
    case 'distinct_count':
      return new Set(vals.slice(from, to)).size;
  }
}

/** The distinct-count key of a value: type-tagged, so `"1"` and `1` differ. */
export function distinctKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
      return `n${canonicalJson(value)}`;
    case 'boolean':
      return value ? 'bt' : 'bf';
    default:
      return `j${canonicalJson(value)}`;
  }
}

/** One event as the window engine sees it. */
export interface WindowEvent {
  readonly topic: string;
  readonly event_id: string;
  readonly time: EventTime;
  /** Entity key per profile entity (`undefined` when the payload has none). */
  readonly keys: readonly (string | undefined)[];
  /** Raw payload values per value slot (`CompiledWindowPlan.valuePaths`). */
  readonly values: readonly unknown[];
}

/** Sweep idle keys every this many events. */
const SWEEP_EVERY = 1 << 16;

/**
 * Window state of one topic partition. Create one per partition; feed every deduplicated event
 * in offset order with `advance`.
 */
export class PartitionWindows {
  private readonly byEntity: Map<string, WindowState[]>[];
  private readonly windowsOfEntity: number[][];
  private pms = Number.NEGATIVE_INFINITY;
  private psub = 0;
  private seq = 0;

  constructor(
    private readonly profile: CompiledProfile,
    /** Value slot of each window (index into `WindowEvent.values`), `-1` for count. */
    private readonly valueSlots: readonly number[],
  ) {
    this.byEntity = profile.entities.map(() => new Map());
    this.windowsOfEntity = profile.entities.map((_, e) => profile.windows.flatMap((w, i) => (w.entity === e ? [i] : [])));
  }

  /** Number of entity keys with live state (for tests and memory accounting). */
  get liveKeys(): number {
    let n = 0;
    for (const m of this.byEntity) n += m.size;
    return n;
  }

  /**
   * Processes one event: advances the watermark, reads every window (into `out`, by window
   * index, when `out` is given: a row event) and then adds the event to the windows it updates.
   */
  advance(event: WindowEvent, out: unknown[] | undefined): void {
    const { ms, sub } = event.time;
    if (ms > this.pms || (ms === this.pms && sub > this.psub)) {
      this.pms = ms;
      this.psub = sub;
    }
    const seq = this.seq++;
    const windows = this.profile.windows;
    for (let e = 0; e < this.byEntity.length; e++) {
      const key = event.keys[e];
      const ws = this.windowsOfEntity[e] as number[];
      if (key === undefined) {
        if (out) for (const w of ws) out[w] = null;
        continue;
      }
      const map = this.byEntity[e] as Map<string, WindowState[]>;
      let states = map.get(key);
      for (let j = 0; j < ws.length; j++) {
        const w = ws[j] as number;
        const spec = windows[w] as CompiledWindow;
        let state = states?.[j];
        if (state) state.evict(spec, this.pms, this.psub);
        if (out) out[w] = state ? state.read(spec, ms, sub) : emptyValue(spec.aggregate);
        if (spec.topics !== undefined && !spec.topics.has(event.topic)) continue;
        let value: unknown = null;
        const slot = this.valueSlots[w] as number;
        if (slot >= 0) {
          const raw = event.values[slot];
          if (raw === undefined || raw === null) continue;
          value = windowValue(spec, raw, event.event_id);
        }
        if (expired(ms, sub, this.pms, this.psub, spec.windowMs)) continue;
        if (!states) {
          states = ws.map((i) => new WindowState((windows[i] as CompiledWindow).aggregate));
          map.set(key, states);
        }
        state ??= states[j] as WindowState;
        state.insert(spec, ms, sub, seq, value);
      }
    }
    if (this.seq % SWEEP_EVERY === 0) this.sweep();
  }

  /** Evicts every key at the watermark and forgets keys with no live entries. */
  sweep(): void {
    const windows = this.profile.windows;
    for (let e = 0; e < this.byEntity.length; e++) {
      const map = this.byEntity[e] as Map<string, WindowState[]>;
      const ws = this.windowsOfEntity[e] as number[];
      for (const [key, states] of map) {
        let live = false;
        for (let j = 0; j < states.length; j++) {
          const s = states[j] as WindowState;
          s.evict(windows[ws[j] as number] as CompiledWindow, this.pms, this.psub);
          if (s.size > 0) live = true;
        }
        if (!live) map.delete(key);
      }
    }
  }
}

/** The stored form of a window's value: exact decimal for numeric aggregates, a key for distinct_count, raw for last. */
function windowValue(spec: CompiledWindow, raw: unknown, eventId: string): unknown {
  switch (spec.aggregate) {
    case 'sum':
    case 'mean':
    case 'min':
    case 'max': {
      const d = parseDecimal(raw);
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
