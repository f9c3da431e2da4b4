import type { ReplaySlice } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { feasibility } from './feasibility.js';
import { createMemoryReplaySource } from './memory-source.js';
import { H, rec, testPlan } from './test-support.js';

const T = 'fp.bus.traffic.fraud.v1';
const slice = (start: string, end: string, partition = 0, kind = 'kafka_offset'): ReplaySlice => ({
  topic: T,
  partition,
  offset_kind: kind,
  start_offset: start,
  end_offset: end,
});
const covering = (start: string, end: string) => createMemoryReplaySource([], { coverage: () => [{ start, end }] });

describe('feasibility (coverage only, no record read)', () => {
  it('is FEASIBLE_EB_ONLY when EB covers every slice', async () => {
    const f = await feasibility(testPlan([slice('10', '20')]), { eb: covering('0', '100'), archive: covering('0', '0') });
    expect(f.status).toBe('FEASIBLE_EB_ONLY');
    expect(f.slices[0]).toMatchObject({ eb_coverage: [{ start: '10', end: '20' }], uncovered: [] });
  });

  it('is FEASIBLE_REQUIRES_ARCHIVE when the Archive fills what EB lacks', async () => {
    const f = await feasibility(testPlan([slice('10', '20')]), { eb: covering('15', '100'), archive: covering('0', '14') });
    expect(f.status).toBe('FEASIBLE_REQUIRES_ARCHIVE');
  });

  it('is INFEASIBLE with the uncovered ranges when neither covers part of a slice', async () => {
    const f = await feasibility(testPlan([slice('10', '20'), slice('0', '5', 1)]), {
      eb: covering('15', '100'),
      archive: covering('0', '12'),
    });
    expect(f.status).toBe('INFEASIBLE');
    expect(f.slices.map((s) => s.status)).toEqual(['INFEASIBLE', 'FEASIBLE_REQUIRES_ARCHIVE']);
    expect(f.slices[0]!.uncovered).toEqual([{ start: '13', end: '14' }]);
  });

  it('is UNCHECKABLE when a source cannot tell or the offset kind is unknown', async () => {
    const unknown = createMemoryReplaySource([rec(T, 0, 'kafka_offset', '1', H('a'))], { coverage: null });
    expect((await feasibility(testPlan([slice('0', '5')]), { eb: unknown, archive: covering('0', '5') })).status).toBe('UNCHECKABLE');
    expect(
      (await feasibility(testPlan([slice('0', '5', 0, 'file_line')]), { eb: covering('0', '5'), archive: covering('0', '5') })).status,
    ).toBe('UNCHECKABLE');
  });

  it('keeps 56-digit Kinesis sequence numbers exact', async () => {
    const big = '49590338271490256608559692538361571095921575989136588898';
    const next = (BigInt(big) + 1n).toString();
    const f = await feasibility(testPlan([slice(big, next, 0, 'kinesis_sequence')]), {
      eb: covering(big, big),
      archive: covering(next, next),
    });
    expect(f.status).toBe('FEASIBLE_REQUIRES_ARCHIVE');
    expect(f.slices[0]!.archive_coverage).toEqual([{ start: next, end: next }]);
  });
});
