import {
  type Clock,
  createMemoryObjectStore,
  type LabelAssertion,
  type ObjectStore,
  type OfsPolicy,
  type ReplayRecord,
  type ReplaySource,
} from '@ofs/contracts';
import { writeOnceJson } from '@ofs/ids';
import { createMemoryLabelStore } from '@ofs/labels';
import { createMemoryLedgerStore } from '@ofs/ledger';
import { createMemoryFeatureProfiles } from '@ofs/plan';
import { createMemoryReplaySource } from '@ofs/replay';
import { createCorridor } from '../corridor.js';
import type { CorridorDeps } from '../corridor-types.js';
import { DEMO_CONFIG_REVISION, DEMO_RUN_FACTS_REF, demoIntent, demoPolicy, demoProfile, demoRunFacts } from '../demo/fixtures.js';
import { type DemoData, generateDemo } from '../demo/generate.js';

/** A manual clock for lease tests. */
export function manualClock(start = 1_800_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

/** A replay source that counts `read` calls (to prove a step read no records). */
export function countingSource(source: ReplaySource): ReplaySource & { reads: number } {
  const counted = {
    reads: 0,
    coverage: (slice: Parameters<ReplaySource['coverage']>[0], options?: Parameters<ReplaySource['coverage']>[1]) =>
      source.coverage(slice, options),
    read(
      slice: Parameters<ReplaySource['read']>[0],
      range: Parameters<ReplaySource['read']>[1],
      options?: Parameters<ReplaySource['read']>[2],
    ) {
      counted.reads++;
      return source.read(slice, range, options);
    },
  };
  return counted;
}

/** Options of `memoryWorld`. */
export interface MemoryWorldOptions {
  readonly events?: number;
  /** Rewrites the EB / Archive record lists before the sources are built. */
  readonly eb?: (records: ReplayRecord[]) => ReplayRecord[];
  readonly archive?: (records: ReplayRecord[]) => ReplayRecord[];
  readonly policy?: Partial<OfsPolicy>;
  readonly wrapStore?: (store: ObjectStore) => ObjectStore;
  readonly clock?: Clock;
  readonly leaseMs?: number;
  readonly tracerProvider?: CorridorDeps['tracerProvider'];
  /** Default `{ baseMs: 0 }` (retry at once), so budget tests need no clock. */
  readonly requeueBackoff?: CorridorDeps['requeueBackoff'];
  /** Shard tasks (and whether this corridor fans its runs out into them). */
  readonly shardTasks?: CorridorDeps['shardTasks'];
  readonly fanOut?: boolean;
  /** `generateDemo`'s chance of re-delivering an event of an earlier partition. */
  readonly crossPartitionDuplicates?: number;
}

/** A corridor over in-memory ports, seeded with the demo generator's data. */
export async function memoryWorld(options: MemoryWorldOptions = {}) {
  const ebRecords: ReplayRecord[] = [];
  const archiveRecords: ReplayRecord[] = [];
  const assertions: LabelAssertion[] = [];
  const data: DemoData = await generateDemo(
    {
      events: options.events ?? 600,
      ...(options.crossPartitionDuplicates ? { crossPartitionDuplicates: options.crossPartitionDuplicates } : {}),
    },
    {
      records: async (_slice, source, records) => void (source === 'EB' ? ebRecords : archiveRecords).push(...records),
      labels: async (batch) => void assertions.push(...batch),
    },
  );
  const labels = createMemoryLabelStore();
  await labels.append(assertions);
  const baseStore = createMemoryObjectStore();
  await writeOnceJson(baseStore, DEMO_RUN_FACTS_REF, demoRunFacts());
  const store = options.wrapStore ? options.wrapStore(baseStore) : baseStore;
  const eb = countingSource(createMemoryReplaySource(options.eb ? options.eb(ebRecords) : ebRecords));
  const archive = countingSource(createMemoryReplaySource(options.archive ? options.archive(archiveRecords) : archiveRecords));
  const ledger = createMemoryLedgerStore();
  const policy: OfsPolicy = { ...demoPolicy(), part_rows: 200, ...options.policy };
  const pins = { configRevision: DEMO_CONFIG_REVISION, codeReleaseId: 'ofs-test-release' };
  const deps: CorridorDeps = {
    store,
    ledger,
    eb,
    archive,
    labels,
    profiles: createMemoryFeatureProfiles([demoProfile()]),
    policy,
    pins,
    worker: 'test-worker',
    leaseMs: options.leaseMs ?? 5_000,
    requeueBackoff: options.requeueBackoff ?? { baseMs: 0 },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.tracerProvider ? { tracerProvider: options.tracerProvider } : {}),
    ...(options.shardTasks ? { shardTasks: options.shardTasks } : {}),
    ...(options.fanOut ? { fanOut: true } : {}),
  };
  const intent = (overrides: Record<string, unknown> = {}) => ({
    ...demoIntent({
      requestId: 'test.build.0001',
      basis: data.replay_basis,
      labelAsofUtc: data.label_asof_utc,
      codeReleaseId: pins.codeReleaseId,
    }),
    ...overrides,
  });
  return {
    data,
    deps,
    store: baseStore,
    eb,
    archive,
    labels,
    ledger,
    policy,
    pins,
    intent,
    corridor: createCorridor(deps),
    ebRecords,
    archiveRecords,
  };
}

/** Every key under a prefix. */
export async function keysUnder(store: ObjectStore, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of store.list(prefix)) keys.push(key);
  return keys;
}
