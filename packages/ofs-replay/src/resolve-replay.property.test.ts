import type { OffsetRange, ReplaySlice, ReplaySource } from '@ofs/contracts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { feasibility } from './feasibility.js';
import { createMemoryReplaySource } from './memory-source.js';
import { resolveReplay } from './resolve-replay.js';
import { drain, H, POLICY, rec, testPlan, testStore } from './test-support.js';

const T = 'fp.bus.traffic.fraud.v1';
/** A 56-digit base, so every offset below is a real-size Kinesis sequence number. */
const BIG = 10n ** 55n + 4959033827149025660n;

interface Scenario {
  base: bigint;
  kind: 'kafka_offset' | 'kinesis_sequence';
  length: number;
  eb: { offset: number; hash: string }[];
  archive: { offset: number; hash: string }[];
  ebCoverage: [number, number][] | 'default';
  archiveCoverage: [number, number][] | 'default';
}

const held = (length: number) =>
  fc.uniqueArray(fc.record({ offset: fc.integer({ min: -2, max: length + 2 }), hash: fc.constantFrom('a', 'a', 'a', 'b') }), {
    selector: (r) => r.offset,
    maxLength: length + 5,
  });
const coverage = (length: number) =>
  fc.oneof(
    fc.constant<'default'>('default'),
    fc.array(
      fc.tuple(fc.integer({ min: -2, max: length + 2 }), fc.integer({ min: 0, max: 6 })).map(([s, w]) => [s, s + w] as [number, number]),
      { maxLength: 3 },
    ),
  );

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 30 }).chain((length) =>
  fc.record({
    base: fc.constantFrom(0n, 1000n, BIG),
    kind: fc.constantFrom<Scenario['kind']>('kafka_offset', 'kinesis_sequence'),
    length: fc.constant(length),
    eb: held(length),
    archive: held(length),
    ebCoverage: coverage(length),
    archiveCoverage: coverage(length),
  }),
);

function sources(s: Scenario) {
  const at = (o: number) => s.base + 5n + BigInt(o);
  const records = (xs: Scenario['eb']) => xs.filter((x) => at(x.offset) >= 0n).map((x) => rec(T, 0, s.kind, at(x.offset), H(x.hash)));
  const declared = (c: Scenario['ebCoverage']) =>
    c === 'default' ? undefined : () => c.map(([a, b]) => ({ start: at(a).toString(), end: at(b).toString() }));
  const ebOpts = declared(s.ebCoverage);
  const arOpts = declared(s.archiveCoverage);
  const slice: ReplaySlice = {
    topic: T,
    partition: 0,
    offset_kind: s.kind,
    start_offset: at(0).toString(),
    end_offset: at(s.length - 1).toString(),
  };
  return {
    slice,
    ebRecords: records(s.eb),
    archiveRecords: records(s.archive),
    eb: createMemoryReplaySource(records(s.eb), ebOpts ? { coverage: ebOpts } : {}),
    archive: createMemoryReplaySource(records(s.archive), arOpts ? { coverage: arOpts } : {}),
  };
}

/**
 * Wraps a source so its stream arrives in random chunks (some records synchronously after the
 * previous, some after a macrotask), its coverage comes back split into pieces, and reads of a
 * range are served by several smaller reads — none of which may change the result.
 */
function jittered(source: ReplaySource, seed: number): ReplaySource {
  let state = seed >>> 0 || 1;
  const rand = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  return {
    async coverage(slice) {
      const c = await source.coverage(slice);
      if (c === null) return null;
      const pieces: OffsetRange[] = [];
      for (const r of c) {
        const s = BigInt(r.start);
        const e = BigInt(r.end);
        if (e > s && rand() < 0.5) {
          const mid = s + (e - s) / 2n;
          pieces.push({ start: (mid + 1n).toString(), end: r.end }, { start: r.start, end: mid.toString() });
        } else pieces.push(r);
      }
      return pieces;
    },
    async *read(slice, range) {
      for await (const r of source.read(slice, range)) {
        const roll = rand();
        if (roll < 0.2) await new Promise((resolve) => setImmediate(resolve));
        else if (roll < 0.4) await Promise.resolve();
        yield r;
      }
    },
  };
}

const inRange = (x: bigint, ranges: readonly { start: string; end: string }[]) =>
  ranges.some((r) => BigInt(r.start) <= x && x <= BigInt(r.end));

describe('resolveReplay properties', () => {
  it('gives identical records and receipt under any interleaving and chunking of the source streams', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.integer(), fc.integer(), async (s, seedA, seedB) => {
        const plain = sources(s);
        const plan = testPlan([plain.slice], 'NON_TRAINING');
        const storeA = testStore();
        const storeB = testStore();
        const a = await drain(resolveReplay(plan, { eb: plain.eb, archive: plain.archive, policy: POLICY, store: storeA }));
        const b = await drain(
          resolveReplay(plan, { eb: jittered(plain.eb, seedA), archive: jittered(plain.archive, seedB), policy: POLICY, store: storeB }),
        );
        expect(b.records).toEqual(a.records);
        expect(b.receipt).toEqual(a.receipt);
        expect([...storeB.objects.values()]).toEqual([...storeA.objects.values()]);
      }),
      { numRuns: 150 },
    );
  });

  it('chooses every requested offset exactly once or lists it missing (dense), and never serves outside the slice', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { slice, eb, archive, ebRecords, archiveRecords } = sources(s);
        const { records, receipt } = await drain(
          resolveReplay(testPlan([slice], 'NON_TRAINING'), { eb, archive, policy: POLICY, store: testStore() }),
        );
        const r = receipt.slices[0]!;
        const offsets = records.map((x) => BigInt(x.offset));
        for (let i = 1; i < offsets.length; i++) expect(offsets[i]! > offsets[i - 1]!).toBe(true);
        const lo = BigInt(slice.start_offset);
        const hi = BigInt(slice.end_offset);
        for (const o of offsets) expect(o >= lo && o <= hi).toBe(true);
        const served = new Set(offsets);
        // EB wins wherever it holds a record inside its coverage; the Archive serves only what EB does not.
        const ebCov = r.eb_coverage!;
        const arCov = r.archive_coverage!;
        const ebHeld = new Set(ebRecords.map((x) => BigInt(x.offset)).filter((o) => inRange(o, ebCov)));
        const arHeld = new Set(archiveRecords.map((x) => BigInt(x.offset)).filter((o) => inRange(o, arCov)));
        for (const x of records) {
          const o = BigInt(x.offset);
          const fromEb = ebHeld.has(o);
          expect(fromEb || arHeld.has(o)).toBe(true);
          expect(inRange(o, fromEb ? r.selected.eb : r.selected.archive)).toBe(true);
        }
        for (const o of new Set([...ebHeld, ...arHeld])) if (o >= lo && o <= hi) expect(served.has(o)).toBe(true);
        let missingCount = 0n;
        for (let o = lo; o <= hi; o++) {
          const missing = inRange(o, r.missing);
          if (missing) missingCount++;
          const covered = inRange(o, ebCov) || inRange(o, arCov);
          if (s.kind === 'kafka_offset') expect(served.has(o) !== missing).toBe(true);
          else expect(missing).toBe(!covered);
        }
        expect(r.missing_offsets).toBe(missingCount.toString());
        expect(r.counts.records).toBe(records.length);
        expect(r.counts.from_eb + r.counts.from_archive).toBe(records.length);
        const uncovered = [...Array(s.length).keys()].some((i) => !inRange(lo + BigInt(i), ebCov) && !inRange(lo + BigInt(i), arCov));
        expect(r.status === 'UNSATISFIABLE').toBe(uncovered);
        const feasible = await feasibility(testPlan([slice]), { eb, archive });
        expect(feasible.status === 'INFEASIBLE').toBe(uncovered);
        if (!uncovered && s.kind === 'kafka_offset')
          expect(r.status === 'COMPLETE').toBe(r.missing.length === 0 && r.counts.mismatches === 0);
      }),
      { numRuns: 300 },
    );
  });
});
