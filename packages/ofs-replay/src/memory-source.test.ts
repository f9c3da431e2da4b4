import { describeReplaySourceContract } from '@ofs/contracts/testing';
import { describe, expect, it } from 'vitest';
import { createMemoryReplaySource } from './memory-source.js';
import { H, rec } from './test-support.js';

describeReplaySourceContract('memory', async (records) => createMemoryReplaySource(records));

describe('createMemoryReplaySource', () => {
  const T = 'fp.bus.traffic.fraud.v1';
  const s = { topic: T, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '100' };

  it('sorts records given in any order by offset (numerically, stable for repeats)', async () => {
    const source = createMemoryReplaySource([
      rec(T, 0, 'kafka_offset', '10', H('a')),
      rec(T, 0, 'kafka_offset', '9', H('b')),
      rec(T, 0, 'kafka_offset', '10', H('c')),
    ]);
    const out: string[] = [];
    for await (const r of source.read(s, { start: '0', end: '100' })) out.push(`${r.offset}:${r.payload_hash[0]}`);
    expect(out).toEqual(['9:b', '10:a', '10:c']);
  });

  it('clips declared coverage to the slice, or cannot tell when told so', async () => {
    const declared = createMemoryReplaySource([], {
      coverage: () => [
        { start: '50', end: '500' },
        { start: '0', end: '10' },
      ],
    });
    expect(await declared.coverage(s)).toEqual([
      { start: '0', end: '10' },
      { start: '50', end: '100' },
    ]);
    expect(await createMemoryReplaySource([], { coverage: null }).coverage(s)).toBeNull();
    expect(await createMemoryReplaySource([], { coverage: () => null }).coverage(s)).toBeNull();
  });

  it('refuses a record with a non-canonical offset', () => {
    expect(() => createMemoryReplaySource([{ ...rec(T, 0, 'kafka_offset', '1', H('a')), offset: '+1' }])).toThrow(
      expect.objectContaining({ code: 'REPLAY_RECORD_INVALID' }),
    );
  });
});
