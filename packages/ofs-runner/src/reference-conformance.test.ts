// Conformance in the reference's own formats (issue 14 item 5): a seeded workload of replay
// events with envelope hashes, EB/Archive observation lists, reference Label Store assertions and
// the reference intent with its coverage policy, built end to end; the figures the reference's
// rules give are computed here independently (ref-spec-3 §1.3–§1.5, ref-spec-1 §2) and compared.
import { createHash } from 'node:crypto';
import {
  createMemoryObjectStore,
  type OfsPolicy,
  OfsError,
  type ReferenceLabelAssertion,
  type ReplayRecord,
  type ReplaySource,
  type RunFactsView,
} from '@ofs/contracts';
import { envelopeHash, writeOnceJson } from '@ofs/ids';
import { createMemoryLabelStore } from '@ofs/labels';
import { createMemoryLedgerStore } from '@ofs/ledger';
import { createMemoryFeatureProfiles } from '@ofs/plan';
import { DEMO_TOPIC } from '@ofs/publish';
import { createMemoryReplaySource } from '@ofs/replay';
import { describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import { demoPolicy, demoProfile } from './demo/fixtures.js';
import { createRandom } from './demo/random.js';

const PRID = 'platform_20260210T120000Z';
const SRID = '74bd83db1ad3d1fa136e579115d55429';
const FINGERPRINT = '2'.repeat(64);
const TYPE = 'fraud_disposition';
const ASOF = '2026-02-12T00:00:00Z';
const KIND = 'kafka_offset';
const FIRST = 100;
const COUNT = 60;
const EB_FROM = 130; // EB retention starts here; the Archive holds FIRST..139.
const ARCHIVE_TO = 139;
const RUN_FACTS_REF = `${PRID}/sr/run_facts_view.json`;

interface Workload {
  records: ReplayRecord[];
  eb: ReplayRecord[];
  archive: ReplayRecord[];
  assertions: ReferenceLabelAssertion[];
}

const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The seeded workload: events (3 delivered twice), EB/Archive lists, reference label assertions. */
function workload(seed: number): Workload {
  const random = createRandom(seed);
  const base = Date.UTC(2026, 1, 10, 0, 0, 0);
  const records: ReplayRecord[] = [];
  for (let i = 0; i < COUNT; i++) {
    const offset = String(FIRST + i);
    if (i === 10 || i === 25 || i === 50) {
      // At-least-once delivery: an earlier event again at this offset, byte for byte.
      records.push({ ...records[i - 1 - random.int(5)]!, offset });
      continue;
    }
    const event_id = `evt_${random.hex(6)}`;
    const ts_utc = new Date(base + i * 60_000 + random.int(1000)).toISOString();
    const payload = {
      card_id: `card_${random.int(6)}`,
      merchant_id: `m_${random.int(4)}`,
      amount: `${1 + random.int(500)}.${String(random.int(100)).padStart(2, '0')}`,
      currency: 'EUR',
      channel: random.pick(['ecom', 'pos']),
      country: random.pick(['DE', 'FR']),
    };
    const envelope = { event_type: 'card_payment', manifest_fingerprint: FINGERPRINT };
    records.push({
      topic: DEMO_TOPIC,
      partition: 0,
      offset_kind: KIND,
      offset,
      event_id,
      ts_utc,
      payload,
      envelope,
      payload_hash: envelopeHash({ event_id, ts_utc, payload, envelope }),
    });
  }
  const eb = records.filter((r) => Number(r.offset) >= EB_FROM);
  const archive = records.filter((r) => Number(r.offset) <= ARCHIVE_TO);

  const pins = {
    platform_run_id: PRID,
    scenario_run_id: SRID,
    manifest_fingerprint: FINGERPRINT,
    parameter_hash: '3'.repeat(64),
    scenario_id: 'baseline.v0',
    seed: 42,
  };
  const assertions: ReferenceLabelAssertion[] = [];
  let caseEvent = 0;
  const assert = (event_id: string, value: string, effectiveMs: number, observedMs: number, human: boolean) => {
    const id = (++caseEvent).toString(16).padStart(32, '0');
    assertions.push({
      case_timeline_event_id: id,
      label_subject_key: { platform_run_id: PRID, event_id },
      pins,
      label_type: TYPE,
      label_value: value,
      effective_time: iso(effectiveMs),
      observed_time: iso(observedMs),
      source_type: human ? 'HUMAN' : 'AUTO',
      ...(human ? { actor_id: `HUMAN::investigator_${random.int(3)}` } : {}),
      evidence_refs: [{ ref_type: 'CASE_EVENT', ref_id: `case_evt_${id}` }],
    });
  };
  const asof = Date.parse(ASOF);
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.event_id)) continue;
    seen.add(r.event_id);
    const t = Date.parse(r.ts_utc);
    const roll = random.next();
    const value = random.chance(0.2) ? 'FRAUD_CONFIRMED' : 'LEGIT_CONFIRMED';
    const effective = t + 3_600_000;
    if (roll < 0.6) assert(r.event_id, value, effective, effective + 600_000, random.chance(0.5));
    else if (roll < 0.7) {
      // Two analysts at the same instants, different values: a conflict.
      assert(r.event_id, 'FRAUD_CONFIRMED', effective, effective + 600_000, true);
      assert(r.event_id, 'LEGIT_CONFIRMED', effective, effective + 600_000, true);
    } else if (roll < 0.8) {
      // A correction: later effective time wins; observed before the cutoff.
      assert(r.event_id, 'LEGIT_CONFIRMED', effective, effective + 600_000, false);
      assert(r.event_id, 'FRAUD_CONFIRMED', effective + 7_200_000, effective + 7_800_000, true);
    } else if (roll < 0.9) {
      // Observed only after the cutoff: invisible to this build.
      assert(r.event_id, value, effective, asof + 86_400_000, false);
    }
    // else: never labelled.
  }
  return { records, eb, archive, assertions };
}

/** The reference's as-of rule for one subject (ref-spec-3 §1.3), written out independently. */
function referenceStatus(timeline: readonly ReferenceLabelAssertion[], asof: string): 'RESOLVED' | 'CONFLICT' | 'NOT_FOUND' {
  const eligible = timeline.filter((a) => Date.parse(a.observed_time) <= Date.parse(asof));
  if (eligible.length === 0) return 'NOT_FOUND';
  const best = eligible.reduce((b, a) => {
    const d = Date.parse(a.effective_time) - Date.parse(b.effective_time) || Date.parse(a.observed_time) - Date.parse(b.observed_time);
    return d > 0 ? a : b;
  });
  const tied = eligible.filter((a) => a.effective_time === best.effective_time && a.observed_time === best.observed_time);
  return new Set(tied.map((a) => a.label_value)).size > 1 ? 'CONFLICT' : 'RESOLVED';
}

/** Python `round(x, 6)` for the ratios the reference reports (exact for these small fractions). */
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** ASCII-only canonical JSON (sorted keys, compact): enough for this workload's intent. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The reference's dataset_manifest_id of an intent (ref-spec-1 §1.5, §2), written out independently. */
function referenceManifestId(intent: Record<string, any>): string {
  const identity = {
    platform_run_id: intent.platform_run_id,
    scenario_run_ids: [...intent.scenario_run_ids].sort(),
    replay_basis: [...intent.replay_basis].map((s: any) => ({
      topic: s.topic,
      partition: s.partition,
      offset_kind: s.offset_kind,
      start_offset: s.start_offset,
      end_offset: s.end_offset,
    })),
    label_basis: intent.label_basis,
    feature_definition_set: intent.feature_definition_set,
    join_scope: intent.join_scope,
    filters: intent.filters,
    policy_revision: intent.policy_revision,
    config_revision: intent.config_revision,
    ofs_code_release_id: intent.ofs_code_release_id,
  };
  const fingerprint = sha(canonical({ recipe: 'ofs.dataset_fingerprint.v1', payload: identity }));
  return `dm_${sha(canonical({ recipe: 'ofs.dataset_manifest_id.v1', payload: { dataset_fingerprint: fingerprint } })).slice(0, 32)}`;
}

/** A replay source that recomputes every record's envelope hash (`ofs.envelope_hash.v1`) as it reads. */
function hashChecking(source: ReplaySource): ReplaySource & { checked: number } {
  const checking = {
    checked: 0,
    coverage: source.coverage.bind(source),
    async *read(...args: Parameters<ReplaySource['read']>) {
      for await (const r of source.read(...args)) {
        const expected = envelopeHash({
          event_id: r.event_id,
          ts_utc: r.ts_utc,
          payload: r.payload as Record<string, unknown>,
          ...(r.envelope ? { envelope: r.envelope as Record<string, unknown> } : {}),
        });
        if (expected !== r.payload_hash) {
          throw new OfsError('REPLAY_RECORD_INVALID', { message: `payload_hash of ${r.event_id} at ${r.offset} is not its envelope hash` });
        }
        checking.checked++;
        yield r;
      }
    },
  };
  return checking;
}

// biome-ignore lint/suspicious/noExplicitAny: an intent as plain JSON, read back field by field
function intentFor(filters: Record<string, unknown>, requestId: string): Record<string, any> {
  return {
    schema_version: 'learning.ofs_build_intent.v0',
    request_id: requestId,
    intent_kind: 'dataset_build',
    platform_run_id: PRID,
    scenario_run_ids: [SRID],
    replay_basis: [
      { topic: DEMO_TOPIC, partition: 0, offset_kind: KIND, start_offset: String(FIRST), end_offset: String(FIRST + COUNT - 1) },
    ],
    label_basis: { label_asof_utc: ASOF, resolution_rule: 'observed_time<=label_asof_utc' },
    feature_definition_set: { feature_set_id: demoProfile().feature_set_id, feature_set_version: demoProfile().feature_set_version },
    join_scope: { subject_key: 'platform_run_id,event_id' },
    filters,
    run_facts_ref: RUN_FACTS_REF,
    policy_revision: 'ref-policy-r1',
    config_revision: 'ref-config-r1',
    ofs_code_release_id: 'ofs-test-release',
    non_training_allowed: false,
  };
}

async function world(w: Workload) {
  const store = createMemoryObjectStore();
  const facts: RunFactsView = {
    platform_run_id: PRID,
    scenario_run_id: SRID,
    pins: {
      platform_run_id: PRID,
      scenario_run_id: SRID,
      manifest_fingerprint: FINGERPRINT,
      parameter_hash: '3'.repeat(64),
      seed: 42,
      scenario_id: 'baseline.v0',
    },
    locators: [
      {
        output_id: 'arrival_events_5B',
        path: `data/layer2/5B/arrival_events/seed=42/manifest_fingerprint=${FINGERPRINT}/part-0.parquet`,
        manifest_fingerprint: FINGERPRINT,
      },
    ],
    gate_receipts: [{ gate_id: 'gate.layer2.5B.validation', status: 'PASS', scope: { manifest_fingerprint: FINGERPRINT } }],
  };
  await writeOnceJson(store, RUN_FACTS_REF, facts);
  const labels = createMemoryLabelStore();
  await labels.append(w.assertions); // the reference's shape, as it is
  const eb = hashChecking(createMemoryReplaySource(w.eb));
  const archive = hashChecking(createMemoryReplaySource(w.archive));
  const policy: OfsPolicy = {
    ...demoPolicy(),
    revision: 'ref-policy-r1',
    label_types: [TYPE],
    min_label_coverage: 0.99,
    max_conflict_ratio: 0,
    part_rows: 20,
  };
  const corridor = createCorridor({
    store,
    ledger: createMemoryLedgerStore(),
    eb,
    archive,
    labels,
    profiles: createMemoryFeatureProfiles([demoProfile()]),
    policy,
    pins: { configRevision: 'ref-config-r1', codeReleaseId: 'ofs-test-release' },
    worker: 'conformance',
    leaseMs: 60_000,
  });
  const json = async (key: string) => JSON.parse(new TextDecoder().decode(await store.get(key)));
  return { store, corridor, eb, archive, json };
}

/** What the reference's rules give for a workload (ref-spec-2 replay, ref-spec-3 §1.3–§1.5). */
function referenceFigures(w: Workload) {
  const targets = [...new Set(w.records.map((r) => r.event_id))].sort();
  const bySubject = new Map<string, ReferenceLabelAssertion[]>();
  for (const a of w.assertions) {
    const list = bySubject.get(a.label_subject_key.event_id) ?? [];
    list.push(a);
    bySubject.set(a.label_subject_key.event_id, list);
  }
  const status = targets.map((e) => referenceStatus(bySubject.get(e) ?? [], ASOF));
  const resolved = status.filter((s) => s === 'RESOLVED').length;
  const conflict = status.filter((s) => s === 'CONFLICT').length;
  return {
    targets: targets.length,
    resolved,
    conflict,
    not_found: targets.length - resolved - conflict,
    coverage_ratio: round6(resolved / targets.length),
    conflict_ratio: round6(conflict / targets.length),
    duplicates: w.records.length - targets.length,
    eb_offsets: w.eb.map((r) => r.offset),
    archive_offsets: w.archive.map((r) => r.offset),
  };
}

/** The reference gate (ref-spec-3 §1.5): ready iff coverage ≥ min and conflicts ≤ max. */
function referenceReady(f: ReturnType<typeof referenceFigures>, min: number, max: number): boolean {
  return f.coverage_ratio >= min && f.conflict_ratio <= max;
}

describe('conformance with the reference, in its own formats (seeded workload, envelope hashes checked on read)', () => {
  for (const seed of [20260210, 7]) {
    it(`seed ${seed}: coverage, conflict ratio, READY, duplicates, covered offsets and manifest id are the reference's`, async () => {
      const w = workload(seed);
      const f = referenceFigures(w);
      // The workload exercises every case the figures count.
      expect(f.duplicates).toBe(3);
      expect(f.resolved).toBeGreaterThan(0);
      expect(f.conflict).toBeGreaterThan(0);
      expect(f.not_found).toBeGreaterThan(0);

      const { corridor, json, eb, archive } = await world(w);
      // Thresholds on either side of this workload's figures: one READY intent, one NOT READY.
      const ready = { min: Math.floor(f.coverage_ratio * 10) / 10, max: Math.ceil(f.conflict_ratio * 10) / 10 };
      const notReady = { min: Math.min(0.99, Math.ceil(f.coverage_ratio * 10) / 10 + 0.05), max: ready.max };
      expect(referenceReady(f, ready.min, ready.max)).toBe(true);
      expect(referenceReady(f, notReady.min, notReady.max)).toBe(false);

      const readyIntent = intentFor(
        { label_coverage_policy: { min_coverage_by_label_type: { [TYPE]: ready.min }, max_conflict_ratio: ready.max } },
        `ref.conformance.${seed}.ready`,
      );
      const { run } = await corridor.submit(readyIntent);
      const done = await corridor.runBuild(run.run_key);
      // READY under the intent's own policy although the host policy's defaults (0.99, 0) would refuse it.
      expect(done).toMatchObject({ state: 'DONE', status_class: 'COMPLETE_SUCCESS' });
      expect(eb.checked + archive.checked).toBeGreaterThanOrEqual(COUNT);

      const manifest = await json(done.manifest_key!);
      expect(manifest.dataset_manifest_id).toBe(referenceManifestId(readyIntent));
      expect(manifest.label_status).toBe('READY_FOR_TRAINING');

      const labels = await json(manifest.evidence.label_receipt.key);
      const byType = labels.counts.by_type[TYPE];
      expect(labels.counts.subjects).toBe(f.targets);
      expect({ resolved: byType.labelled, conflict: byType.conflict, not_found: byType.unlabelled }).toEqual({
        resolved: f.resolved,
        conflict: f.conflict,
        not_found: f.not_found,
      });
      expect(round6(labels.coverage_by_type[TYPE])).toBe(f.coverage_ratio);
      expect(round6(labels.conflict_ratio_by_type[TYPE])).toBe(f.conflict_ratio);
      expect(labels.policy).toMatchObject({ min_coverage_by_label_type: { [TYPE]: ready.min }, max_conflict_ratio: ready.max });

      const replay = await json(manifest.evidence.replay_receipt.key);
      const [slice] = replay.slices;
      expect(slice.eb_coverage).toEqual([{ start: f.eb_offsets[0], end: f.eb_offsets.at(-1) }]);
      expect(slice.archive_coverage).toEqual([{ start: f.archive_offsets[0], end: f.archive_offsets.at(-1) }]);
      expect(slice.missing).toEqual([]);
      expect(replay.totals.records).toBe(COUNT);
      const draft = await json(manifest.evidence.draft_receipt.key);
      expect(draft.totals.duplicates_dropped).toBe(f.duplicates);
      expect(draft.rows_total).toBe(f.targets);

      // The same workload under a demand above its coverage: NOT READY → COVERAGE_POLICY_VIOLATION,
      // whatever the host policy (a training build publishes nothing).
      const strict = intentFor(
        { label_coverage_policy: { min_coverage_by_label_type: { [TYPE]: notReady.min }, max_conflict_ratio: notReady.max } },
        `ref.conformance.${seed}.strict`,
      );
      const refused = await corridor.runBuild((await corridor.submit(strict)).run.run_key);
      expect(refused.state).toBe('FAILED');
      expect(refused.last_error?.code).toBe('COVERAGE_POLICY_VIOLATION');
      // The reference's reason is `COVERAGE_BELOW_MIN:{type}:{coverage:.6f}<{min:.6f}`; ours names
      // the code and type (the figures are in the label receipt's counts and policy).
      expect(refused.last_error?.message).toContain(`COVERAGE_BELOW_MIN:${TYPE}`);
    });
  }

  it('is deterministic: the same seed gives the same manifest bytes, whatever order the sources and labels arrive in', async () => {
    const digests: string[] = [];
    for (const shuffle of [false, true]) {
      const w = workload(20260210);
      if (shuffle) {
        const random = createRandom(99);
        const shuffled = <T>(list: T[]): void => {
          for (let i = list.length - 1; i > 0; i--) {
            const j = random.int(i + 1);
            [list[i], list[j]] = [list[j]!, list[i]!];
          }
        };
        shuffled(w.eb);
        shuffled(w.archive);
        shuffled(w.assertions);
      }
      const { corridor, store } = await world(w);
      const intent = intentFor(
        { label_coverage_policy: { min_coverage_by_label_type: { [TYPE]: 0.5 }, max_conflict_ratio: 0.2 } },
        'ref.conformance.det',
      );
      const done = await corridor.runBuild((await corridor.submit(intent)).run.run_key);
      digests.push(
        createHash('sha256')
          .update((await store.get(done.manifest_key!))!)
          .digest('hex'),
      );
    }
    expect(digests[1]).toBe(digests[0]);
  });

  it('checks envelope hashes: a record whose payload changed after hashing fails the build with REPLAY_RECORD_INVALID', async () => {
    const w = workload(20260210);
    const victim = w.archive[5]!;
    w.archive[5] = { ...victim, payload: { ...victim.payload, amount: '999999.99' } };
    const { corridor } = await world(w);
    const intent = intentFor(
      { label_coverage_policy: { min_coverage_by_label_type: { [TYPE]: 0.5 }, max_conflict_ratio: 0.2 } },
      'ref.conformance.tamper',
    );
    const failed = await corridor.runBuild((await corridor.submit(intent)).run.run_key);
    expect(failed.state).toBe('FAILED');
    expect(failed.last_error?.code).toBe('REPLAY_RECORD_INVALID');
  });
});
