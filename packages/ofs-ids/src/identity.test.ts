import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBuildIntent } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import {
  basisHash,
  canonicalJson,
  datasetFingerprint,
  datasetManifestId,
  fingerprintPreimage,
  identityOf,
  intentPayloadHash,
  planId,
  runKey,
  sha256Hex,
} from './index.js';

interface IdentityVector {
  name: string;
  input: Record<string, unknown>;
  fingerprint_preimage: string;
  dataset_fingerprint: string;
  dataset_manifest_id: string;
}
const vectors = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'identity.json'), 'utf8')) as {
  identity: IdentityVector[];
  run_key: { request_id: string; run_key: string }[];
};

describe('identity law conformance vectors (fixtures/identity.json)', () => {
  it('has the vectors', () => {
    expect(vectors.identity.length).toBeGreaterThanOrEqual(50);
    expect(vectors.run_key.length).toBeGreaterThanOrEqual(10);
  });

  for (const v of vectors.identity) {
    it(`reproduces ${v.name}`, () => {
      expect(fingerprintPreimage(v.input)).toBe(v.fingerprint_preimage);
      const fp = datasetFingerprint(v.input);
      expect(fp).toBe(v.dataset_fingerprint);
      expect(datasetManifestId(fp)).toBe(v.dataset_manifest_id);
    });
  }

  for (const v of vectors.run_key) {
    it(`reproduces run_key of ${v.request_id.slice(0, 24)}`, () => {
      expect(runKey(v.request_id)).toBe(v.run_key);
    });
  }
});

describe('fixed examples of the reference notes', () => {
  it('derives run keys, trimmed or not', () => {
    expect(runKey('ofs.phase2.req.001')).toBe('63fa8fe394037a49e809a733276fb125');
    expect(runKey('  ofs.run.20260210T112200Z ')).toBe('3e4397eeeaf188c838fc66decdd83c0d');
    expect(runKey('ofs.req.aaaa')).toBe('483376dd8a0a875fb2912b53604cd28d');
    expect(() => runKey('   ')).toThrowError(expect.objectContaining({ code: 'REQUEST_ID_INVALID' }));
  });

  it('derives a manifest id from a short fingerprint and refuses a 7-character one', () => {
    expect(datasetManifestId('abcdefgh')).toBe('dm_996b8462d5d92eee03b074df35152437');
    expect(datasetManifestId('  abcdefgh  ')).toBe('dm_996b8462d5d92eee03b074df35152437');
    expect(() => datasetManifestId('abcdefg')).toThrowError(expect.objectContaining({ code: 'CANONICAL_VALUE_INVALID' }));
  });
});

const validIntent = {
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.req.identity.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  scenario_run_ids: ['74bd83db1ad3d1fa136e579115d55429'],
  replay_basis: [
    { topic: 'fp.bus.context.arrival_events.v1', partition: 1, offset_kind: 'kinesis_sequence', start_offset: '10', end_offset: '90' },
    { topic: 'fp.bus.traffic.fraud.v1', partition: 0, offset_kind: 'kinesis_sequence', start_offset: '100', end_offset: '200' },
  ],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc', maturity_days: 30 },
  feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
  join_scope: { subject_key: 'platform_run_id,event_id', join_sources: ['flow_binding', 'join_frame', 'label_store'] },
  filters: { merchant_segment: ['enterprise', 'sm_biz'], country: ['US'] },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'ofs-policy-v0',
  config_revision: 'local-parity-v0',
  ofs_code_release_id: 'git:abc123',
};

describe('identity of a parsed intent', () => {
  it('equals the reference identity of the contract test payload', () => {
    const vector = vectors.identity.find((v) => v.name === 'contract_test_valid_payload_identity');
    expect(vector).toBeDefined();
    const intent = parseBuildIntent(validIntent);
    expect(datasetFingerprint(identityOf(intent))).toBe(vector?.dataset_fingerprint);
  });

  it('ignores request_id, intent_kind, run_facts_ref and non_training_allowed', () => {
    const a = parseBuildIntent(validIntent);
    const b = parseBuildIntent({
      ...validIntent,
      request_id: 'another.request.1',
      intent_kind: 'parity_rebuild',
      run_facts_ref: 'x/y.json',
      non_training_allowed: true,
    });
    expect(datasetFingerprint(identityOf(b))).toBe(datasetFingerprint(identityOf(a)));
  });

  it('moves when the cutoff moves', () => {
    const a = parseBuildIntent(validIntent);
    const b = parseBuildIntent({ ...validIntent, label_basis: { ...validIntent.label_basis, label_asof_utc: '2026-02-11T10:00:00Z' } });
    expect(datasetFingerprint(identityOf(b))).not.toBe(datasetFingerprint(identityOf(a)));
  });
});

describe('intentPayloadHash', () => {
  it('hashes the canonical intent embedded as a JSON string (double encoding)', () => {
    const intent = parseBuildIntent(validIntent);
    const inner = canonicalJson({
      ...validIntent,
      non_training_allowed: false,
    });
    expect(intentPayloadHash(intent)).toBe(sha256Hex(`{"payload":${JSON.stringify(inner)},"recipe":"ofs.intent_payload.v1"}`));
  });

  it('is order-sensitive like the reference, and treats absent and empty scenario ids alike', () => {
    const a = parseBuildIntent(validIntent);
    const reversed = parseBuildIntent({ ...validIntent, replay_basis: [...validIntent.replay_basis].reverse() });
    expect(intentPayloadHash(reversed)).not.toBe(intentPayloadHash(a));
    const { scenario_run_ids: _, ...withoutScenario } = validIntent;
    expect(intentPayloadHash(parseBuildIntent(withoutScenario))).toBe(
      intentPayloadHash(parseBuildIntent({ ...withoutScenario, scenario_run_ids: [] })),
    );
  });
});

describe('plan_id and basis_hash', () => {
  const inputs = {
    dataset_fingerprint: 'a'.repeat(64),
    intent_kind: 'dataset_build',
    non_training_allowed: false,
    feature_profile_digest: 'b'.repeat(64),
    run_facts_digest: 'c'.repeat(64),
    policy_digest: 'd'.repeat(64),
    parity_anchor_digest: null,
  };
  it('is plan_ + 32 hex and moves with every input', () => {
    const base = planId(inputs);
    expect(base).toMatch(/^plan_[0-9a-f]{32}$/);
    for (const [k, v] of Object.entries({
      non_training_allowed: true,
      policy_digest: 'e'.repeat(64),
      parity_anchor_digest: 'f'.repeat(64),
      intent_kind: 'parity_rebuild',
    })) {
      expect(planId({ ...inputs, [k]: v })).not.toBe(base);
    }
  });
  it('basis_hash ignores slice order', () => {
    const intent = parseBuildIntent(validIntent);
    expect(basisHash([...intent.replay_basis].reverse())).toBe(basisHash(intent.replay_basis));
  });
});
