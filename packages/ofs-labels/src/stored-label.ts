import { type LabelAssertion, parseInstant, type ResolvedLabel } from '@ofs/contracts';
import { sha256Hex, utf8 } from '@ofs/ids';
import { labelDigestFragment } from './digest-line.js';
import { delayMs } from './label-delay.js';

/**
 * One assertion as the memory store keeps it: a frozen copy, its timestamps parsed once at append
 * (as epoch ms plus nanoseconds below the ms), its label type interned to a store-wide number,
 * and memos the resolver fills the first time the assertion wins (its `LABELLED` label and that
 * label's piece of the resolved digest), so resolving the same store again allocates neither.
 * Internal to this package.
 */
export class StoredLabel {
  /** The assertion as appended (a frozen copy). */
  readonly assertion: LabelAssertion;
  /** The label type's number in the store (see `MemoryLabelIndex.typeIds`). */
  readonly typeId: number;
  readonly effectiveMs: number;
  readonly effectiveNs: number;
  readonly observedMs: number;
  readonly observedNs: number;
  /** The first 128 bits of sha256(assertion_id) as four 32-bit lanes (scoped state markers). */
  readonly lanes: readonly [number, number, number, number];
  private label: ResolvedLabel | undefined;
  private fragment: Uint8Array | undefined;

  /** `assertion` must already be validated (RFC 3339 timestamps with a zone). */
  constructor(assertion: LabelAssertion, typeId: number) {
    this.assertion = Object.freeze({ ...assertion });
    this.typeId = typeId;
    const effective = parseInstant(assertion.effective_time)!;
    const observed = parseInstant(assertion.observed_time)!;
    this.effectiveMs = effective.epochMs;
    this.effectiveNs = effective.subMsNanos;
    this.observedMs = observed.epochMs;
    this.observedNs = observed.subMsNanos;
    this.lanes = lanesOf(assertion.assertion_id);
  }

  /** This assertion's `LABELLED` label (one frozen object, made on first use). */
  labelled(): ResolvedLabel {
    this.label ??= Object.freeze({
      status: 'LABELLED',
      value: this.assertion.value,
      assertion_id: this.assertion.assertion_id,
      delay_ms: delayMs(this.effectiveMs, this.effectiveNs, this.observedMs, this.observedNs),
    });
    return this.label;
  }

  /** The UTF-8 of `labelDigestFragment(this.labelled())`, made on first use. */
  digestFragment(): Uint8Array {
    this.fragment ??= utf8(labelDigestFragment(this.labelled()));
    return this.fragment;
  }
}

function lanesOf(assertionId: string): [number, number, number, number] {
  const hex = sha256Hex(assertionId);
  return [0, 8, 16, 24].map((i) => Number.parseInt(hex.slice(i, i + 8), 16)) as [number, number, number, number];
}

/**
 * Ranks two stored assertions as `compareRank` does: later `effective_time` first, then later
 * `observed_time`; zero when they are top-tied (equal instants).
 */
export function compareStoredRank(a: StoredLabel, b: StoredLabel): number {
  const byEffective = a.effectiveMs - b.effectiveMs || a.effectiveNs - b.effectiveNs;
  return byEffective !== 0 ? byEffective : a.observedMs - b.observedMs || a.observedNs - b.observedNs;
}

/** One subject's stored assertions (append order), and the last `timelines` call that served them. */
export interface StoredTimeline {
  readonly records: StoredLabel[];
  servedIn: number;
}

/**
 * What the memory store shares with this package's resolver: its index by run and subject and
 * its interned label types. Read-only for the resolver; lets it resolve a batch in one pass over
 * pre-parsed assertions instead of through the `LabelStore` port.
 */
export interface MemoryLabelIndex {
  /** platform_run_id → event_id → the subject's timeline. */
  readonly bySubject: ReadonlyMap<string, ReadonlyMap<string, StoredTimeline>>;
  /** label_type → its number (dense, from 0). */
  readonly typeIds: ReadonlyMap<string, number>;
}

const indexes = new WeakMap<object, { index: MemoryLabelIndex; timelines: unknown }>();

/** Registers the index of a memory store object (called once, by `createMemoryLabelStore`). */
export function registerMemoryLabelIndex(store: { timelines: unknown }, index: MemoryLabelIndex): void {
  indexes.set(store, { index, timelines: store.timelines });
}

/**
 * The index behind `store` when `store` is exactly an object made by `createMemoryLabelStore`
 * with its own `timelines` (not a wrapper, a spread copy or a patched store, whose `timelines`
 * may do something else: those are read through the port).
 */
export function memoryLabelIndexOf(store: { timelines: unknown }): MemoryLabelIndex | undefined {
  const entry = indexes.get(store);
  return entry !== undefined && entry.timelines === store.timelines ? entry.index : undefined;
}
