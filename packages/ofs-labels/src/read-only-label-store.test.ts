import { canAppendLabels, isOfsError, labelAppenderOf } from '@ofs/contracts';
import { describeLabelStoreReadContract, sampleLabelAssertion } from '@ofs/contracts/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryLabelStore } from './memory-label-store.js';
import { readOnlyLabelStore } from './read-only-label-store.js';

// A store without `append` passes the read part of the contract (D82): the seed goes in through
// the backing store, as a production store's own loader would put it there.
describeLabelStoreReadContract('read-only view of memory', async (seed) => {
  const backing = createMemoryLabelStore();
  if (seed.length > 0) await backing.append(seed);
  return readOnlyLabelStore(backing);
});

describe('readOnlyLabelStore', () => {
  it('offers no append, and seeding code says LABEL_STORE_READ_ONLY', () => {
    const store = readOnlyLabelStore(createMemoryLabelStore());
    expect('append' in store).toBe(false);
    expect(canAppendLabels(store)).toBe(false);
    let caught: unknown;
    try {
      labelAppenderOf(store);
    } catch (error) {
      caught = error;
    }
    expect(isOfsError(caught, 'LABEL_STORE_READ_ONLY')).toBe(true);
  });

  it('lets seeding code append to an appendable store through labelAppenderOf', async () => {
    const store = createMemoryLabelStore();
    expect(canAppendLabels(store)).toBe(true);
    await labelAppenderOf(store).append([sampleLabelAssertion()]);
    const got = [];
    for await (const a of store.timelines(
      [{ platform_run_id: sampleLabelAssertion().platform_run_id, event_id: 'evt_001' }],
      ['fraud_disposition'],
    )) {
      got.push(a.assertion_id);
    }
    expect(got).toEqual(['a_001']);
  });
});
