import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMAS } from '../schemas.js';
// A receipt written by @ofs/replay's resolveReplay (non-training, E2-like slice with a mismatch).
import sample from './fixtures/replay-receipt.sample.json' with { type: 'json' };
import { REPLAY_RECEIPT_SCHEMA_VERSION, ReplayReceiptSchema, replayReceiptKey } from './replay-receipt.js';

const check = Compile(ReplayReceiptSchema);

describe('learning.ofs_replay_receipt.v1', () => {
  it('accepts a receipt written by resolveReplay and is registered', () => {
    expect(check.Check(sample)).toBe(true);
    expect(RECORD_SCHEMAS[REPLAY_RECEIPT_SCHEMA_VERSION]).toBe(ReplayReceiptSchema);
  });

  it('refuses unknown statuses, non-decimal ranges and missing counts', () => {
    expect(check.Check({ ...sample, status: 'DONE' })).toBe(false);
    const slice = sample.slices[0]!;
    expect(check.Check({ ...sample, slices: [{ ...slice, missing: [{ start: '01', end: '2' }] }] })).toBe(false);
    const { duplicates: _, ...counts } = slice.counts;
    expect(check.Check({ ...sample, slices: [{ ...slice, counts }] })).toBe(false);
    expect(check.Check({ ...sample, extra: 1 })).toBe(false);
  });

  it('names the write-once key under the platform run', () => {
    expect(replayReceiptKey('platform_20260210T120000Z', 'plan_0123456789abcdef0123456789abcdef')).toBe(
      'platform_20260210T120000Z/ofs/replay/plan_0123456789abcdef0123456789abcdef.json',
    );
  });
});
