import type { ReplayRecord } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { generateDemo } from './generate.js';

async function generate(crossPartitionDuplicates?: number) {
  const records: ReplayRecord[] = [];
  const seen = new Set<string>();
  const data = await generateDemo(
    { events: 6_000, seed: 7, ...(crossPartitionDuplicates === undefined ? {} : { crossPartitionDuplicates }) },
    {
      async records(_slice, _source, batch) {
        // EB and Archive overlap at the cutover: keep each offset once.
        for (const r of batch) {
          const key = `${r.topic}/${r.partition}/${r.offset}`;
          if (seen.has(key)) continue;
          seen.add(key);
          records.push(r);
        }
      },
      async labels() {},
    },
  );
  return { data, records };
}

/** Records whose event id first occurred on another partition. */
function crossPartitionRepeats(records: readonly ReplayRecord[]): number {
  const first = new Map<string, string>();
  let repeats = 0;
  for (const r of records) {
    const where = `${r.topic}/${r.partition}`;
    const at = first.get(r.event_id);
    if (at === undefined) first.set(r.event_id, where);
    else if (at !== where) repeats++;
  }
  return repeats;
}

describe('generateDemo: duplicates across partitions', () => {
  it('are absent by default and present with crossPartitionDuplicates, counted as duplicate deliveries', async () => {
    const plain = await generate();
    expect(crossPartitionRepeats(plain.records)).toBe(0);
    const crossed = await generate(0.03);
    expect(crossPartitionRepeats(crossed.records)).toBeGreaterThan(20);
    expect(crossed.data.counts.duplicate_deliveries).toBeGreaterThan(plain.data.counts.duplicate_deliveries);
  });
});
