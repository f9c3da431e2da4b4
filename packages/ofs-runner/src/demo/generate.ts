import type { LabelAssertion, ReplayRecord, ReplaySlice } from '@ofs/contracts';
import { envelopeHash } from '@ofs/ids';
import { createRandom, type Random } from './random.js';

/** Platform run of the demo data. */
export const DEMO_PLATFORM_RUN_ID = 'platform_demo_001';
/** Scenario run of the demo data. */
export const DEMO_SCENARIO_RUN_ID = 'scenario_demo_a';
/** The label type the demo policy resolves. */
export const DEMO_LABEL_TYPE = 'is_fraud';
/** First event time of the demo (events span 48 hours). */
export const DEMO_START_UTC = '2026-11-01T00:00:00.000Z';
/** The demo's label cutoff: 60 hours after the first event, so late labels exist. */
export const DEMO_LABEL_ASOF_UTC = '2026-11-03T12:00:00Z';

/** Topics of the demo: card payments (rows) and baseline traffic (updates windows only). */
export const DEMO_TOPICS = [
  { topic: 'fp.bus.traffic.fraud.v1', partitions: 3, share: 0.8, rows: true },
  { topic: 'fp.bus.traffic.baseline.v1', partitions: 1, share: 0.2, rows: false },
] as const;

const OFFSET_KIND = 'kafka_offset';
const FIRST_OFFSET = 1000n;
const SPAN_MS = 48 * 3600_000;
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'GBP', 'USD'] as const;
const CHANNELS = ['ecom', 'ecom', 'pos', 'pos', 'pos', 'moto'] as const;
const COUNTRIES = ['DE', 'FR', 'NL', 'GB', 'US', 'ES', 'IT'] as const;

/** Where generated data goes: segment records per source, label assertions. Calls arrive in offset order. */
export interface DemoSink {
  /** Records of one slice for one source, in ascending offset order (called repeatedly per slice). */
  records(slice: ReplaySlice, source: 'EB' | 'ARCHIVE', records: readonly ReplayRecord[]): Promise<void>;
  /** A batch of label assertions. */
  labels(assertions: readonly LabelAssertion[]): Promise<void>;
}

/** Counts of what the generator produced (for the demo summary and tests). */
export interface DemoCounts {
  events: number;
  duplicate_deliveries: number;
  archive_only: number;
  eb_only: number;
  eb_and_archive: number;
  row_events: number;
  label_assertions: number;
  late_label_assertions: number;
  conflicting_subjects: number;
  corrected_subjects: number;
}

/** What `generateDemo` produced: the replay basis covering every generated offset, and counts. */
export interface DemoData {
  readonly platform_run_id: string;
  readonly replay_basis: ReplaySlice[];
  readonly label_asof_utc: string;
  readonly counts: DemoCounts;
}

/** Options of `generateDemo`. */
export interface DemoOptions {
  /** Total events over every topic and partition (≥ 100). */
  readonly events: number;
  /** PRNG seed (default 20261101): the same seed and count give the same bytes. */
  readonly seed?: number;
  /** Records per `sink.records` call (default 5,000). */
  readonly chunk?: number;
  /**
   * Chance per record of re-delivering a recent event of an earlier partition of the same topic
   * (default 0: none, and the default bytes are unchanged). Tests of sharded builds use it to put
   * duplicates across shards.
   */
  readonly crossPartitionDuplicates?: number;
}

interface Card {
  readonly id: string;
  readonly compromised: boolean;
}

function splitCounts(total: number): number[] {
  const slots = DEMO_TOPICS.flatMap((t) => Array.from({ length: t.partitions }, () => t.share / t.partitions));
  const counts = slots.map((s) => Math.floor(total * s));
  counts[0]! += total - counts.reduce((a, b) => a + b, 0);
  return counts;
}

function amount(random: Random, card: Card): string {
  const base = card.compromised && random.chance(0.4) ? 200 + random.int(1800) : 5 + random.int(150);
  return `${base}.${String(random.int(100)).padStart(2, '0')}`;
}

/**
 * Generates a realistic, deterministic demo: card payments over several topics and partitions,
 * the oldest offsets only in the Archive, the newest only on the EB, an overlap held by both (the
 * cutover), at-least-once duplicate deliveries, and labels with late arrivals (observed after the
 * cutoff), corrections and conflicts. Streams into `sink`, so a million events need little memory.
 */
export async function generateDemo(options: DemoOptions, sink: DemoSink): Promise<DemoData> {
  const total = Math.max(100, Math.floor(options.events));
  const random = createRandom(options.seed ?? 20261101);
  const chunk = options.chunk ?? 5_000;
  const startMs = Date.parse(DEMO_START_UTC);
  const asofMs = Date.parse(DEMO_LABEL_ASOF_UTC);
  const counts: DemoCounts = {
    events: 0,
    duplicate_deliveries: 0,
    archive_only: 0,
    eb_only: 0,
    eb_and_archive: 0,
    row_events: 0,
    label_assertions: 0,
    late_label_assertions: 0,
    conflicting_subjects: 0,
    corrected_subjects: 0,
  };
  const merchants = Array.from({ length: 40 }, (_, i) => `m_${String(i).padStart(3, '0')}`);
  const perPartition = splitCounts(total);
  const basis: ReplaySlice[] = [];
  let slot = 0;
  let labelBatch: LabelAssertion[] = [];
  const flushLabels = async (force: boolean): Promise<void> => {
    if (labelBatch.length === 0 || (!force && labelBatch.length < chunk)) return;
    await sink.labels(labelBatch);
    labelBatch = [];
  };
  const label = (event: ReplayRecord, value: string, effectiveMs: number, observedMs: number, n: number): void => {
    labelBatch.push({
      platform_run_id: DEMO_PLATFORM_RUN_ID,
      event_id: event.event_id,
      label_type: DEMO_LABEL_TYPE,
      value,
      effective_time: new Date(effectiveMs).toISOString(),
      observed_time: new Date(observedMs).toISOString(),
      assertion_id: `la_${event.event_id}_${n}`,
    });
    counts.label_assertions++;
    if (observedMs > asofMs) counts.late_label_assertions++;
  };

  const crossChance = options.crossPartitionDuplicates ?? 0;
  for (const topic of DEMO_TOPICS) {
    /** Recent events of this topic's earlier partitions (only with `crossPartitionDuplicates`). */
    const earlier: ReplayRecord[] = [];
    const sampled: ReplayRecord[] = [];
    for (let partition = 0; partition < topic.partitions; partition++) {
      if (partition > 0) earlier.splice(0, earlier.length, ...sampled);
      const n = perPartition[slot++]!;
      const slice: ReplaySlice = {
        topic: topic.topic,
        partition,
        offset_kind: OFFSET_KIND,
        start_offset: FIRST_OFFSET.toString(),
        end_offset: (FIRST_OFFSET + BigInt(n) - 1n).toString(),
      };
      basis.push(slice);
      // The Archive holds the oldest 60 %, the EB the newest 50 %: a 10 % overlap at the cutover.
      const archiveEnd = Math.floor(n * 0.6);
      const ebStart = Math.floor(n * 0.5);
      const cards: Card[] = Array.from({ length: Math.max(20, Math.floor(n / 25)) }, (_, i) => ({
        id: `card_${partition}_${String(i).padStart(5, '0')}`,
        compromised: random.chance(0.05),
      }));
      const recent: ReplayRecord[] = [];
      let eb: ReplayRecord[] = [];
      let archive: ReplayRecord[] = [];
      for (let i = 0; i < n; i++) {
        const offset = (FIRST_OFFSET + BigInt(i)).toString();
        let record: ReplayRecord;
        const prior = recent.length > 0 && random.chance(0.01) ? recent[random.int(recent.length)] : undefined;
        const across =
          prior === undefined && crossChance > 0 && earlier.length > 0 && random.chance(crossChance)
            ? earlier[random.int(earlier.length)]
            : undefined;
        if (across) {
          // The same event delivered again on another partition: the first occurrence (basis order) wins.
          record = { ...across, partition, offset };
          counts.duplicate_deliveries++;
        } else if (prior) {
          // At-least-once delivery: the same event again at a later offset.
          record = { ...prior, offset };
          counts.duplicate_deliveries++;
        } else {
          const card = random.pick(cards);
          const tsMs = startMs + Math.floor((i * SPAN_MS) / n) + random.int(1000);
          const payload = {
            card_id: card.id,
            merchant_id: random.pick(merchants),
            amount: amount(random, card),
            currency: random.pick(CURRENCIES),
            channel: random.pick(CHANNELS),
            country: random.pick(COUNTRIES),
          };
          const event_id = `ev_${random.hex(8)}`;
          const ts_utc = new Date(tsMs).toISOString();
          record = {
            topic: topic.topic,
            partition,
            offset_kind: OFFSET_KIND,
            offset,
            event_id,
            ts_utc,
            payload,
            // The archive writer's recipe: the hash covers the whole envelope, not the payload alone.
            payload_hash: envelopeHash({ event_id, ts_utc, payload }),
          };
          if (topic.rows) {
            counts.row_events++;
            if (random.chance(0.85)) {
              const fraud = random.chance(card.compromised ? 0.4 : 0.01);
              const effectiveMs = tsMs + 600_000 + random.int(36 * 3600_000);
              const observedMs = effectiveMs + random.int(12 * 3600_000);
              label(record, fraud ? 'FRAUD' : 'LEGIT', effectiveMs, observedMs, 1);
              if (random.chance(0.01)) {
                // Two analysts disagree at the same instant: a conflict.
                label(record, fraud ? 'LEGIT' : 'FRAUD', effectiveMs, observedMs, 2);
                counts.conflicting_subjects++;
              } else if (random.chance(0.03)) {
                // A chargeback corrects the label later (possibly after the cutoff).
                const laterMs = effectiveMs + 3600_000 + random.int(24 * 3600_000);
                label(record, 'FRAUD', laterMs, laterMs + random.int(3600_000), 2);
                counts.corrected_subjects++;
              }
            }
          }
          recent.push(record);
          if (recent.length > 8) recent.shift();
          if (crossChance > 0 && random.chance(0.05)) {
            sampled.push(record);
            if (sampled.length > 64) sampled.shift();
          }
        }
        counts.events++;
        if (i < ebStart) counts.archive_only++;
        else if (i < archiveEnd) counts.eb_and_archive++;
        else counts.eb_only++;
        if (i < archiveEnd) archive.push(record);
        if (i >= ebStart) eb.push(record);
        if (archive.length >= chunk) {
          await sink.records(slice, 'ARCHIVE', archive);
          archive = [];
        }
        if (eb.length >= chunk) {
          await sink.records(slice, 'EB', eb);
          eb = [];
        }
        await flushLabels(false);
      }
      if (archive.length > 0) await sink.records(slice, 'ARCHIVE', archive);
      if (eb.length > 0) await sink.records(slice, 'EB', eb);
    }
  }
  await flushLabels(true);
  return { platform_run_id: DEMO_PLATFORM_RUN_ID, replay_basis: basis, label_asof_utc: DEMO_LABEL_ASOF_UTC, counts };
}
