import { createMemoryObjectStore, type ReplayRecord } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { reconstruct, type ReconstructProgress } from './reconstruct.js';
import { at, fakeLabels, payment, record, resolved, testPlan, testPolicy } from './test-support.js';

describe('reconstruct onProgress', () => {
  const policy = testPolicy({ part_rows: 3, label_batch_size: 2 });
  const records: ReplayRecord[] = [
    record(0, 'e0', at(0), payment('c1', 'm1', '10.00')),
    record(1, 'e1', at(10), payment('c1', 'm2', '5.5')),
    record(2, 'e1', at(10), payment('c1', 'm2', '5.5')), // a duplicate delivery: read, not a row
    record(3, 'e2', at(69), payment('c1', 'm1', '1')),
    record(4, 'e3', at(71), payment('c2', 'm1', '2.25')),
    record(5, 'e4', at(80), payment('c2', 'm1', '3')),
  ];
  const build = async (onProgress?: (p: ReconstructProgress) => void) => {
    const store = createMemoryObjectStore();
    const plan = testPlan({ training: 'NON_TRAINING', policy });
    const result = await reconstruct(
      plan,
      records,
      { labels: fakeLabels({}), profile: resolved(), store, policy },
      onProgress ? { onProgress } : {},
    );
    return result.draft;
  };

  it('reports running totals after each label batch and at the end, and changes nothing it builds', async () => {
    const seen: ReconstructProgress[] = [];
    const observed = await build((p) => seen.push(p));
    expect(seen.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.records_read).toBeGreaterThanOrEqual(seen[i - 1]!.records_read);
      expect(seen[i]!.rows_written).toBeGreaterThanOrEqual(seen[i - 1]!.rows_written);
      expect(seen[i]!.labels_resolved).toBeGreaterThanOrEqual(seen[i - 1]!.labels_resolved);
    }
    expect(seen.at(-1)).toEqual({ records_read: 6, labels_resolved: 5, rows_written: 5 });
    expect(observed.rows_total).toBe(5);
    // The observer is display only: the draft is byte-for-byte the one built without it.
    expect(JSON.stringify(observed)).toBe(JSON.stringify(await build()));
  });
});
