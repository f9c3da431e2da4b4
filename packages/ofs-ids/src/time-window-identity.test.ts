import { parseBuildIntent } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { datasetFingerprint, identityOf, intentPayloadHash } from './identity.js';

const intent = {
  schema_version: 'learning.ofs_build_intent.v0',
  request_id: 'ofs.req.window.0001',
  intent_kind: 'dataset_build',
  platform_run_id: 'platform_20260210T091951Z',
  replay_basis: [{ topic: 't.pay', partition: 0, offset_kind: 'kafka_offset', start_offset: '101', end_offset: '105' }],
  label_basis: { label_asof_utc: '2026-02-10T10:00:00Z', resolution_rule: 'observed_time<=label_asof_utc' },
  feature_definition_set: { feature_set_id: 'core', feature_set_version: 'v1' },
  run_facts_ref: 'platform_20260210T091951Z/run_facts_view.json',
  policy_revision: 'p1',
  config_revision: 'c1',
  ofs_code_release_id: 'git:abc',
};

describe('a time-window selector beside the offsets (law 1: offsets, not time)', () => {
  it('is kept on the parsed intent but changes neither the fingerprint nor the payload hash', () => {
    const plain = parseBuildIntent(intent);
    const windowed = parseBuildIntent({
      ...intent,
      time_window: {
        rule: 'ofs.time_window.watermark.v1',
        selector: { topic: 't.pay', start_utc: '2026-02-10T00:10:00Z', end_utc: '2026-02-10T00:30:00Z' },
      },
    });
    expect(windowed.time_window).toMatchObject({ rule: 'ofs.time_window.watermark.v1' });
    expect(datasetFingerprint(identityOf(windowed))).toBe(datasetFingerprint(identityOf(plain)));
    expect(intentPayloadHash(windowed)).toBe(intentPayloadHash(plain));
    expect(() => parseBuildIntent({ ...intent, time_window: 'last week' })).toThrow(/time_window must be an object/);
  });
});
