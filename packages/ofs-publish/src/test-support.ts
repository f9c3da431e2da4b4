// Test helpers shared by this package's tests (not exported from the package).
import type {
  BuildPlan,
  FeatureProfile,
  LabelAssertion,
  LabelBatchResolver,
  LabelSubject,
  ObjectStore,
  OfsPolicy,
  ReplayRecord,
  ReplaySlice,
  ResolvedFeatureProfile,
  SubjectLabels,
  TrainingPosture,
} from '@ofs/contracts';
import { basisHash, canonicalReplayBasis, datasetManifestId, digestOf, envelopeHash, planId, sha256Hex } from '@ofs/ids';
import { DEMO_TOPIC, demoFeatureProfile } from '@ofs/features';

/** The platform run of every test plan. */
export const RUN = 'platform_20260210T120000Z';

/** A policy with the given overrides. */
export function testPolicy(overrides: Partial<OfsPolicy> = {}): OfsPolicy {
  return {
    schema_version: 'learning.ofs_policy.v1',
    revision: 'r1',
    label_types: ['fraud_disposition'],
    min_label_coverage: 0,
    max_conflict_ratio: 1,
    max_publish_retries: 3,
    max_full_run_attempts: 3,
    part_rows: 100_000,
    anomaly_list_limit: 1_000,
    label_batch_size: 5_000,
    ...overrides,
  };
}

/** A resolved profile (digest computed). */
export function resolved(profile: FeatureProfile = demoFeatureProfile, ref = 'fraud-demo.v1.json'): ResolvedFeatureProfile {
  return { ref, profile, digest: digestOf(profile) };
}

/** Options of `testPlan`. */
export interface TestPlanOptions {
  slices?: ReplaySlice[];
  training?: TrainingPosture;
  labelAsof?: string;
  maturityDays?: number;
  profile?: ResolvedFeatureProfile;
  policy?: OfsPolicy;
  /** Distinguishes plans (and manifest ids) of otherwise equal inputs. */
  salt?: string;
  intentKind?: BuildPlan['intent_kind'];
}

/** A build plan that satisfies the plan schema, with ids derived from its content. */
export function testPlan(options: TestPlanOptions = {}): BuildPlan {
  const slices = canonicalReplayBasis(
    options.slices ?? [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '99' }],
  );
  const profile = options.profile ?? resolved();
  const policy = options.policy ?? testPolicy();
  const training = options.training ?? 'TRAINING';
  const seed = digestOf({
    slices,
    profile: profile.digest,
    policy: digestOf(policy),
    training,
    salt: options.salt ?? '',
    asof: options.labelAsof ?? '',
  });
  // Ids derived as plan resolution derives them, so verification's identity checks hold.
  const fingerprint = sha256Hex(`fp${seed}`);
  const intentKind = options.intentKind ?? 'dataset_build';
  const runFactsDigest = 'b'.repeat(64);
  return {
    schema_version: 'learning.ofs_build_plan.v1',
    plan_id: planId({
      dataset_fingerprint: fingerprint,
      intent_kind: intentKind,
      non_training_allowed: training !== 'TRAINING',
      feature_profile_digest: profile.digest,
      run_facts_digest: runFactsDigest,
      policy_digest: digestOf(policy),
      parity_anchor_digest: null,
    }),
    intent_kind: intentKind,
    training_posture: training,
    non_training_allowed: training !== 'TRAINING',
    dataset_fingerprint: fingerprint,
    dataset_manifest_id: datasetManifestId(fingerprint),
    platform_run_id: RUN,
    scenario_run_ids: [],
    replay_basis: slices,
    basis_hash: basisHash(slices),
    label_basis: {
      label_asof_utc: options.labelAsof ?? '2026-03-01T00:00:00Z',
      label_asof_instant: options.labelAsof ?? '2026-03-01T00:00:00Z',
      resolution_rule: 'observed_time<=label_asof_utc',
      ...(options.maturityDays === undefined ? {} : { maturity_days: options.maturityDays }),
      posture: 'KNEW_THEN',
    },
    feature_profile: {
      feature_set_id: profile.profile.feature_set_id,
      feature_set_version: profile.profile.feature_set_version,
      ref: profile.ref,
      digest: profile.digest,
    },
    run_facts: { ref: 'facts.json', digest: runFactsDigest, outputs: [{ output_id: 'o', decided_by: 'GATE_RECEIPT', evidence_ref: 'e' }] },
    join_scope: {},
    filters: {},
    policy: { revision: policy.revision, digest: digestOf(policy) },
    config_revision: 'c1',
    ofs_code_release_id: 'rel1',
  };
}

/** A replay record with its record hash (`ofs.envelope_hash.v1` over event_id, ts_utc and payload). */
export function record(
  offset: number | string,
  eventId: string,
  ts: string,
  payload: Record<string, unknown>,
  where: { topic?: string; partition?: number } = {},
): ReplayRecord {
  return {
    topic: where.topic ?? DEMO_TOPIC,
    partition: where.partition ?? 0,
    offset_kind: 'kafka_offset',
    offset: String(offset),
    event_id: eventId,
    ts_utc: ts,
    payload,
    payload_hash: envelopeHash({ event_id: eventId, ts_utc: ts, payload }),
  };
}

/** A demo card payment payload. */
export function payment(card: string, merchant: string, amount: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { card_id: card, merchant_id: merchant, amount, currency: 'EUR', channel: 'ecom', country: 'DE', ...extra };
}

/** A label resolver for unit tests: every subject is mature unless `immature` says otherwise; labels from `labels`. */
export function fakeLabels(
  labels: Record<string, string> = {},
  options: { immature?: (s: LabelSubject) => boolean; types?: string[] } = {},
): LabelBatchResolver<{ fake: true; batches: number[] }> & { batches: number[] } {
  const batches: number[] = [];
  const types = options.types ?? ['fraud_disposition'];
  return {
    batches,
    async resolveBatch(subjects) {
      batches.push(subjects.length);
      return subjects.map(
        (s): SubjectLabels => ({
          event_id: s.event_id,
          mature: !(options.immature?.(s) ?? false),
          labels: Object.fromEntries(
            types.map((t) => {
              const v = labels[s.event_id];
              return [
                t,
                v === undefined
                  ? { status: 'UNLABELLED', value: null, assertion_id: null }
                  : { status: 'LABELLED', value: v, assertion_id: `a_${s.event_id}` },
              ];
            }),
          ),
        }),
      );
    },
    async finish() {
      return { fake: true, batches };
    },
  };
}

/** Drains an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}

/** Minutes after 2026-02-10T00:00:00Z as a canonical instant. */
export function at(minutes: number, seconds = 0): string {
  return new Date(Date.UTC(2026, 1, 10) + minutes * 60_000 + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** Shape of `repeatingDataset`. */
export interface RepeatingDatasetOptions {
  readonly partitions: readonly number[];
  /** Offsets 0 … offsets − 1 per partition. */
  readonly offsets: number;
  /** Chance that a record repeats an earlier event (of any earlier partition or offset). */
  readonly repeat: number;
  /** Event minute = offset × `minuteStep` + a jitter below `jitter`. */
  readonly minuteStep: number;
  readonly jitter: number;
  readonly cards: number;
  readonly maxAmount: number;
}

/**
 * Demo payments over `partitions` (deterministic for a seed), where about `repeat` of the records
 * are at-least-once repeats of earlier events — across partitions too, so duplicates cross shards.
 */
export function repeatingDataset(seed: number, o: RepeatingDatasetOptions): ReplayRecord[] {
  let n = seed;
  const rand = () => {
    n = (Math.imul(n, 1103515245) + 12345) >>> 0;
    return n / 2 ** 32;
  };
  const out: ReplayRecord[] = [];
  const seen: ReplayRecord[] = [];
  for (const partition of o.partitions) {
    for (let offset = 0; offset < o.offsets; offset++) {
      if (seen.length > 0 && rand() < o.repeat) {
        out.push({ ...seen[Math.floor(rand() * seen.length)]!, partition, offset: String(offset) });
        continue;
      }
      const r = record(
        offset,
        `evt_${partition}_${offset}`,
        at(offset * o.minuteStep + Math.floor(rand() * o.jitter)),
        payment(
          `c${Math.floor(rand() * o.cards)}`,
          `m${Math.floor(rand() * 3)}`,
          `${Math.floor(rand() * o.maxAmount)}.${Math.floor(rand() * 99)}`,
        ),
        { partition },
      );
      seen.push(r);
      out.push(r);
    }
  }
  return out;
}

/** Every object under the test run's prefix, base64 by key: two builds compare byte for byte. */
export async function storeSnapshot(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const key of store.list(`${RUN}/`)) out.set(key, Buffer.from((await store.get(key))!).toString('base64'));
  return out;
}

/** A label on every third record (FRAUD on every fourth of those), observed before any cutoff of the tests. */
export function everyThirdLabelled(records: readonly ReplayRecord[]): LabelAssertion[] {
  return records
    .filter((_, i) => i % 3 === 0)
    .map((r, i) => ({
      assertion_id: `as_${r.event_id}_${i}`,
      platform_run_id: RUN,
      event_id: r.event_id,
      label_type: 'fraud_disposition',
      value: i % 4 === 0 ? 'FRAUD' : 'LEGIT',
      effective_time: r.ts_utc,
      observed_time: '2026-02-01T00:00:00Z',
    }));
}

/** One slice per partition of the demo topic, offsets 0 … `lastOffset`. */
export function demoSlices(partitions: readonly number[], lastOffset: number): ReplaySlice[] {
  return partitions.map((partition) => ({
    topic: DEMO_TOPIC,
    partition,
    offset_kind: 'kafka_offset',
    start_offset: '0',
    end_offset: String(lastOffset),
  })) as ReplaySlice[];
}

/**
 * `records` with the record at (`partition`, `offset`) replaced by a conflicting twin: the event id
 * of the first record of partition 0, with another payload (`REPLAY_EVENT_ID_CONFLICT` across shards).
 */
export function withConflictingTwin(records: readonly ReplayRecord[], partition: number, offset: number): ReplayRecord[] {
  const victim = records.find((r) => r.partition === 0)!;
  const twin = record(offset, victim.event_id, victim.ts_utc, { ...(victim.payload as object), amount: '1.00' }, { partition });
  return records.map((r) => (r.partition === partition && r.offset === String(offset) ? twin : r));
}
