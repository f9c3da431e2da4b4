import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createMemoryObjectStore, type ObjectStore, OfsError, type RunEvent, type RunRecord } from '@ofs/contracts';
import { createFsObjectStore } from '@ofs/fs';
import { canonicalJson, sha256Hex, utf8 } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { DEMO_TOPIC } from '@ofs/features';
import { buildAndPublish } from './pipeline-support.js';
import { readDataset } from './read-dataset.js';
import { at, collect, payment, record, resolved, testPlan, testPolicy } from './test-support.js';
import { type IntegrityDifference, type VerifyLedger, verifyDataset } from './verify-dataset.js';

// A dataset published by main at cb73cd0, before whole-chain verification (see fixtures/…/SOURCE.md).
const FIXTURE = join(import.meta.dirname, 'fixtures', 'dataset-2026-12-04', 'store');
const PRID = 'platform_demo_001';
const PLAN = 'plan_318abc4ac2469d6f24af41df583be902';
const MANIFEST = `${PRID}/ofs/manifests/dm_cb1071c16492a79a86562f80fac41165.json`;
const KEYS = {
  plan: `${PRID}/ofs/plans/${PLAN}.json`,
  replay: `${PRID}/ofs/replay/${PLAN}.json`,
  labels: `${PRID}/ofs/labels/${PLAN}.json`,
  draft: `${PRID}/ofs/drafts/${PLAN}.json`,
  index: `${PRID}/ofs/index/by_plan/${PLAN}.json`,
};

/** A store that refuses every write: verification must never write. */
function readOnly(store: ObjectStore): ObjectStore {
  const refuse = async (): Promise<never> => {
    throw new Error('verification wrote to the store');
  };
  return { get: (k, o) => store.get(k, o), list: (p, o) => store.list(p, o), putIfAbsent: refuse, delete: refuse };
}

/** The fixture's objects as a map key → bytes. */
async function fixtureObjects(): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else out.set(relative(FIXTURE, path).split('\\').join('/'), new Uint8Array(await readFile(path)));
    }
  };
  await walk(FIXTURE);
  return out;
}

/** A memory store holding the fixture with `edit` applied to its objects first. */
async function tampered(edit: (objects: Map<string, Uint8Array>) => void): Promise<ObjectStore> {
  const objects = await fixtureObjects();
  edit(objects);
  const store = createMemoryObjectStore();
  for (const [key, bytes] of objects) await store.putIfAbsent(key, bytes);
  return readOnly(store);
}

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const json = (objects: Map<string, Uint8Array>, key: string) => JSON.parse(text(objects.get(key))) as Record<string, any>;
const putJson = (objects: Map<string, Uint8Array>, key: string, value: unknown) => objects.set(key, utf8(canonicalJson(value)));
function flipByte(objects: Map<string, Uint8Array>, key: string, find: string, replace: string): void {
  const before = text(objects.get(key));
  expect(before).toContain(find);
  objects.set(key, utf8(before.replace(find, replace)));
}
/** Edits the manifest (written canonical, as a careful forger would). */
function editManifest(objects: Map<string, Uint8Array>, fn: (m: Record<string, any>) => void): void {
  const m = json(objects, MANIFEST);
  fn(m);
  putJson(objects, MANIFEST, m);
}

async function differencesOf(store: ObjectStore, ledger?: VerifyLedger): Promise<IntegrityDifference[]> {
  const error = await verifyDataset(MANIFEST, { store, ...(ledger ? { ledger } : {}) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OfsError);
  expect((error as OfsError).code).toBe('DATASET_INTEGRITY_VIOLATION');
  return (error as OfsError).details.differences as IntegrityDifference[];
}

/** A read-only ledger view holding runs (and their events) as a store would. */
function fakeLedger(runs: RunRecord[], events: Record<string, RunEvent[]> = {}): VerifyLedger {
  return {
    async list(query) {
      return runs.filter(
        (r) => (!query.platform_run_id || r.platform_run_id === query.platform_run_id) && (!query.states || query.states.includes(r.state)),
      );
    },
    async events(runKey) {
      return events[runKey] ?? [];
    },
  };
}

function doneRun(overrides: Partial<RunRecord> & Record<string, unknown> = {}): RunRecord {
  return {
    run_key: 'ab46d32cdb3874b0a6fc3d82378b7304',
    platform_run_id: PRID,
    state: 'DONE',
    outcome: 'NEW',
    manifest_key: MANIFEST,
    status_class: 'COMPLETE_SUCCESS',
    plan_id: PLAN,
    run_config_digest: null,
    ...overrides,
  } as unknown as RunRecord;
}

describe('verifyDataset: a dataset published by an earlier release', () => {
  it('still verifies, whole chain, without writing (fs store over the committed fixture)', async () => {
    const store = readOnly(createFsObjectStore({ root: FIXTURE }));
    const report = await verifyDataset(MANIFEST, { store });
    expect(report).toMatchObject({ rows: 239, manifestKey: MANIFEST, ledger: null });
    expect(report.checks).toEqual(
      expect.arrayContaining(['manifest', 'evidence', 'plan', 'receipts', 'claims', 'index', 'parts', 'rows_digest']),
    );
    expect(report.notes).toEqual([]);
    expect(await collect(readDataset(MANIFEST, { store }))).toHaveLength(239);
  });

  it('verifies with a ledger whose run completed before manifest digests were recorded (noted, not a violation)', async () => {
    const store = await tampered(() => undefined);
    const report = await verifyDataset(MANIFEST, { store, ledger: fakeLedger([doneRun()]) });
    expect(report.ledger?.runs).toEqual([{ run_key: doneRun().run_key, outcome: 'NEW', manifest_sha256: null }]);
    expect(report.notes.join('\n')).toMatch(/before manifest digests were recorded/);
  });
});

describe('verifyDataset: every tamper is a DATASET_INTEGRITY_VIOLATION naming what differs', () => {
  const cases: [string, (o: Map<string, Uint8Array>) => void, string][] = [
    [
      'a byte flipped in the replay receipt',
      (o) => flipByte(o, KEYS.replay, '"from_archive":', '"from_archivE":'),
      'evidence.replay_receipt.sha256',
    ],
    [
      'a byte flipped in the label receipt',
      (o) => flipByte(o, KEYS.labels, '"coverage":0.6', '"coverage":0.7'),
      'evidence.label_receipt.sha256',
    ],
    [
      'a byte flipped in the draft receipt',
      (o) => flipByte(o, KEYS.draft, '"duplicates_dropped":', '"duplicates_droppeD":'),
      'evidence.draft_receipt.sha256',
    ],
    [
      'a byte flipped in the plan',
      (o) => flipByte(o, KEYS.plan, '"config_revision":"demo-config-r1"', '"config_revision":"demo-config-r2"'),
      'evidence.plan.sha256',
    ],
    [
      'the manifest training_posture edited',
      (o) => editManifest(o, (m) => (m.training_posture = 'NON_TRAINING')),
      'claim.training_posture',
    ],
    [
      'the manifest label status (coverage verdict) edited',
      (o) => editManifest(o, (m) => (m.label_status = 'NOT_READY_FOR_TRAINING')),
      'claim.label_status',
    ],
    [
      'the manifest label types edited',
      (o) => editManifest(o, (m) => (m.label_basis.label_types = ['is_fraud', 'chargeback'])),
      'claim.label_basis.label_types',
    ],
    [
      'the manifest label_asof_utc edited',
      (o) => editManifest(o, (m) => (m.label_basis.label_asof_utc = '2026-11-04T12:00:00Z')),
      'claim.label_basis.label_asof_utc',
    ],
    ['the manifest maturity edited', (o) => editManifest(o, (m) => (m.label_basis.maturity_days = 3)), 'claim.label_basis.maturity_days'],
    ['the manifest status_class edited', (o) => editManifest(o, (m) => (m.status_class = 'INCOMPLETE_EXPLICIT')), 'claim.status_class'],
    ['the manifest replay_status edited', (o) => editManifest(o, (m) => (m.replay_status = 'INCOMPLETE')), 'claim.replay_status'],
    ['the manifest basis_hash edited', (o) => editManifest(o, (m) => (m.basis_hash = 'f'.repeat(64))), 'claim.basis_hash'],
    [
      'the manifest profile digest edited',
      (o) => editManifest(o, (m) => (m.feature_profile.digest = 'e'.repeat(64))),
      'claim.feature_profile.digest',
    ],
    ['the manifest rows_total edited', (o) => editManifest(o, (m) => (m.rows_total = 240)), 'claim.rows_total'],
    ['the manifest bytes_total edited', (o) => editManifest(o, (m) => (m.bytes_total += 1)), 'claim.bytes_total'],
    [
      'a receipt evidence sha256 edited',
      (o) => editManifest(o, (m) => (m.evidence.label_receipt.sha256 = '0'.repeat(64))),
      'evidence.label_receipt.sha256',
    ],
    [
      'an evidence key pointed elsewhere',
      (o) => editManifest(o, (m) => (m.evidence.plan.key = `${PRID}/ofs/plans/plan_${'0'.repeat(32)}.json`)),
      'evidence.plan.key',
    ],
    [
      'the by-plan index pointing at another sha256',
      (o) => putJson(o, KEYS.index, { ...json(o, KEYS.index), manifest: { key: MANIFEST, sha256: 'a'.repeat(64) } }),
      'index.manifest.sha256',
    ],
    ['the manifest re-indented', (o) => o.set(MANIFEST, utf8(JSON.stringify(json(o, MANIFEST), null, 2))), 'manifest.canonical_form'],
    [
      'the manifest id not derived from its fingerprint',
      (o) => editManifest(o, (m) => (m.dataset_fingerprint = 'c'.repeat(64))),
      'manifest.dataset_manifest_id',
    ],
  ];
  for (const [name, edit, check] of cases) {
    it(`${name} → ${check}`, async () => {
      const store = await tampered(edit);
      const differences = await differencesOf(store);
      expect(differences.map((d) => d.check)).toContain(check);
      for (const d of differences) expect(d.message.length).toBeGreaterThan(0);
      // readDataset refuses before the first row.
      await expect(collect(readDataset(MANIFEST, { store }))).rejects.toMatchObject({ code: 'DATASET_INTEGRITY_VIOLATION' });
    });
  }

  it('the re-indented manifest also no longer matches the by-plan index', async () => {
    const store = await tampered((o) => o.set(MANIFEST, utf8(JSON.stringify(json(o, MANIFEST), null, 2))));
    const checks = (await differencesOf(store)).map((d) => d.check);
    expect(checks).toEqual(expect.arrayContaining(['manifest.canonical_form', 'index.manifest.sha256']));
  });

  it('lists every difference, not only the first', async () => {
    const store = await tampered((o) => {
      flipByte(o, KEYS.replay, '"mismatches":0', '"mismatches":1');
      editManifest(o, (m) => {
        m.training_posture = 'NON_TRAINING';
        m.label_basis.label_asof_utc = '2026-11-04T12:00:00Z';
      });
    });
    const checks = (await differencesOf(store)).map((d) => d.check);
    expect(checks).toEqual(
      expect.arrayContaining([
        'evidence.replay_receipt.sha256',
        'claim.training_posture',
        'claim.label_basis.label_asof_utc',
        'index.manifest.sha256',
      ]),
    );
  });

  it('a part edited in place is caught (size/sha256/rows digest), as before', async () => {
    const part = json(await fixtureObjects(), MANIFEST).parts[0].key as string;
    const store = await tampered((o) => flipByte(o, part, '"LEGIT"', '"FRAUD"'));
    expect((await differencesOf(store)).map((d) => d.check)).toEqual(expect.arrayContaining(['part.sha256', 'rows_digest']));
  });

  describe('a consistent edit of rows, part digests, rows_digest, draft receipt and index', () => {
    /** Rewrites one row and every digest that covers it, so only a digest recorded elsewhere can tell. */
    const forge = (o: Map<string, Uint8Array>) => {
      const manifest = json(o, MANIFEST);
      const old = manifest.parts[0];
      const bytes = utf8(text(o.get(old.key)).replace('"LEGIT"', '"FRAUD"'));
      const sha = sha256Hex(bytes);
      const part = { ...old, key: `${PRID}/ofs/parts/${sha}.jsonl`, sha256: sha };
      o.delete(old.key);
      o.set(part.key, bytes);
      const draft = { ...json(o, KEYS.draft), parts: [part], rows_digest: sha };
      putJson(o, KEYS.draft, draft);
      manifest.parts = [part];
      manifest.rows_digest = sha;
      manifest.evidence.draft_receipt.sha256 = sha256Hex(canonicalJson(draft));
      putJson(o, MANIFEST, manifest);
      putJson(o, KEYS.index, { ...json(o, KEYS.index), manifest: { key: MANIFEST, sha256: sha256Hex(o.get(MANIFEST)!) } });
    };

    it('passes every store-only check (the store alone cannot tell)', async () => {
      const store = await tampered(forge);
      await expect(verifyDataset(MANIFEST, { store })).resolves.toMatchObject({ rows: 239 });
    });

    it('is caught through the manifest sha256 the run recorded in the ledger', async () => {
      const original = (await fixtureObjects()).get(MANIFEST)!;
      const ledger = fakeLedger([doneRun({ manifest_sha256: sha256Hex(original) })]);
      expect(await verifyDataset(MANIFEST, { store: await tampered(() => undefined), ledger })).toMatchObject({ rows: 239, notes: [] });
      const differences = await differencesOf(await tampered(forge), ledger);
      expect(differences.map((d) => d.check)).toContain('ledger.manifest_sha256');
    });

    it('is caught through the artifact digests the run recorded after reconstruction', async () => {
      const objects = await fixtureObjects();
      const digests = {
        replayReceipt: sha256Hex(objects.get(KEYS.replay)!),
        labelReceipt: sha256Hex(objects.get(KEYS.labels)!),
        draft: sha256Hex(objects.get(KEYS.draft)!),
      };
      const run = doneRun();
      const event = {
        run_key: run.run_key,
        seq: 5,
        type: 'STAGE',
        details: { stage: 'reconstruct', artifact_digests: digests },
      } as unknown as RunEvent;
      const ledger = fakeLedger([run], { [run.run_key]: [event] });
      const differences = await differencesOf(await tampered(forge), ledger);
      expect(differences.map((d) => d.check)).toContain('ledger.artifact_digests.draft_receipt');
    });
  });
});

describe('verifyDataset: a receipt edited together with every digest that cites it (no ledger)', () => {
  /** Edits a receipt, then the manifest's evidence sha256 and the by-plan index, all canonical. */
  const forgeReceipt = (key: string, evidence: string, fn: (r: Record<string, any>) => void) => (o: Map<string, Uint8Array>) => {
    const receipt = json(o, key);
    fn(receipt);
    putJson(o, key, receipt);
    editManifest(o, (m) => (m.evidence[evidence].sha256 = sha256Hex(canonicalJson(receipt))));
    putJson(o, KEYS.index, { ...json(o, KEYS.index), manifest: { key: MANIFEST, sha256: sha256Hex(o.get(MANIFEST)!) } });
  };
  const cases: [string, (o: Map<string, Uint8Array>) => void, string][] = [
    ['label coverage inflated', forgeReceipt(KEYS.labels, 'label_receipt', (r) => (r.coverage = 0.9)), 'label_receipt.coverage'],
    [
      'a stricter coverage minimum under a READY status',
      forgeReceipt(KEYS.labels, 'label_receipt', (r) => {
        r.policy.min_label_coverage = 0.7;
      }),
      'label_receipt.status',
    ],
    [
      'a replay slice INCOMPLETE under a COMPLETE receipt',
      forgeReceipt(KEYS.replay, 'replay_receipt', (r) => (r.slices[1].status = 'INCOMPLETE')),
      'replay_receipt.status',
    ],
    ['replay totals edited', forgeReceipt(KEYS.replay, 'replay_receipt', (r) => (r.totals.from_eb += 1)), 'replay_receipt.totals'],
    ['draft totals edited', forgeReceipt(KEYS.draft, 'draft_receipt', (r) => (r.totals.duplicates_dropped = 0)), 'draft_receipt.totals'],
  ];
  for (const [name, edit, check] of cases) {
    it(`${name} → ${check}`, async () => {
      const differences = await differencesOf(await tampered(edit));
      expect(differences.map((d) => d.check)).toContain(check);
      expect(differences.map((d) => d.check)).not.toContain('index.manifest.sha256');
    });
  }
});

describe('verifyDataset: missing objects', () => {
  it('a missing manifest is MANIFEST_MISSING when a DONE run published it, REF_NOT_FOUND otherwise', async () => {
    const store = await tampered((o) => o.delete(MANIFEST));
    await expect(verifyDataset(MANIFEST, { store })).rejects.toMatchObject({ code: 'REF_NOT_FOUND' });
    await expect(verifyDataset(MANIFEST, { store, ledger: fakeLedger([doneRun()]) })).rejects.toMatchObject({
      code: 'MANIFEST_MISSING',
      details: { run_keys: [doneRun().run_key] },
    });
  });

  it('a missing evidence artifact is a difference; a by-plan index not written yet is only a note', async () => {
    const missing = await differencesOf(await tampered((o) => o.delete(KEYS.labels)));
    expect(missing.map((d) => d.check)).toContain('evidence.label_receipt.missing');
    const report = await verifyDataset(MANIFEST, { store: await tampered((o) => o.delete(KEYS.index)) });
    expect(report.notes.join('\n')).toMatch(/by-plan index .* is not written/);
  });
});

describe('verifyDataset: datasets published by this release', () => {
  const events = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      record(i, `evt_${i}`, at(i * 7), payment(['c1', 'c2', 'c3'][i % 3]!, `m${i % 4}`, `${(i * 13) % 97}.${i % 10}5`)),
    );
  const slice = [{ topic: DEMO_TOPIC, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '11' }];

  it('verify a fresh publication, and a backfill that supersedes it (supersession link checked)', async () => {
    const store = createMemoryObjectStore();
    const policy = testPolicy({ part_rows: 5 });
    const plan = testPlan({ slices: slice, policy, training: 'NON_TRAINING' });
    const first = await buildAndPublish({ plan, policy, profile: resolved(), eb: events(12), store });
    expect(first.published.manifestSha256).toBe(sha256Hex((await store.get(first.published.manifestKey))!));
    const report = await verifyDataset(first.published.manifestKey, { store: readOnly(store) });
    expect(report).toMatchObject({ rows: 12, manifestSha256: first.published.manifestSha256, notes: [] });

    const backfill = testPlan({ slices: slice, policy, training: 'NON_TRAINING', salt: 'backfill' });
    const second = await buildAndPublish(
      { plan: backfill, policy, profile: resolved(), eb: events(12), store },
      { supersedes: [first.published.manifestKey], backfillReason: 'label correction' },
    );
    const verified = await verifyDataset(second.published.manifestKey, { store: readOnly(store) });
    expect(verified.checks).toContain('supersedes');
    expect(verified.manifest.supersession_link).toBeDefined();
  });
});
