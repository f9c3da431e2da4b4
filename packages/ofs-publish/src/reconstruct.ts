import {
  coveragePolicyOf,
  type AbortOptions,
  type BuildPlan,
  compareDecimal,
  DRAFT_RECEIPT_SCHEMA_VERSION,
  type DraftReceipt,
  type DraftSliceCounts,
  draftReceiptKey,
  isOfsError,
  type LabelBatchResolver,
  type LabelSubject,
  OFS_POLICY_DEFAULTS,
  OfsError,
  partSettings,
  type ObjectStore,
  type OfsPolicy,
  ROWS_DIGEST_RECIPE,
  type ReplayRecord,
  type ReplaySlice,
  type ResolvedFeatureProfile,
  type SubjectLabels,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { writeOnceJson } from '@ofs/ids';
import {
  BatchFeatures,
  type CompiledEntity,
  entityKey,
  type CompiledField,
  type CompiledProfile,
  compileProfile,
  statsMarkers,
  valueAt,
} from '@ofs/features';
import { type DatasetStats, DatasetStatsAccumulator, type LabelDelays, LabelDelayTally } from './dataset-stats.js';
import { EventIdSet } from './event-id-set.js';
import { createParquetPartEncoder } from './parquet-part.js';
import { PartWriter } from './part-writer.js';
import { RowBatch } from './row-batch.js';
import { EVENT_SLOTS, type RowLayout, rowLayout } from './row-encoder.js';
import { writeDatasetStats } from './stats-accumulator.js';

/** What reconstruction needs besides the plan and the records. */
export interface ReconstructDeps<LabelReceipt = unknown> {
  /** The label resolver of this plan (`@ofs/labels`' `createLabelResolver`, or any implementation). */
  labels: LabelBatchResolver<LabelReceipt>;
  /** The plan's feature profile, resolved and pinned (its digest must equal the plan's). */
  profile: ResolvedFeatureProfile;
  store: ObjectStore;
  /**
   * The plan's policy (`revision` must equal the plan's): `part_rows`, `label_batch_size`; its
   * `label_types` only for plans that pin no coverage policy.
   */
  policy: OfsPolicy;
}

/** Options of `reconstruct`. */
export interface ReconstructOptions extends AbortOptions {
  /**
   * Call `labels.finish()` after the last batch and return its receipt (default `true`). For
   * training plans `finish` throws `COVERAGE_POLICY_VIOLATION` itself, so reconstruction fails
   * before any draft receipt is written.
   */
  finishLabels?: boolean;
  /** Expected number of distinct events, to size the dedupe set up front (it grows anyway). */
  expectedEvents?: number;
  /**
   * Observer of progress, called every 4096 records read, after each label batch is joined and
   * once at the end, with running totals. Reconstruction never prints; the host renders (e.g. the `ofs` CLI's progress
   * line). Must not throw; it does not affect the result.
   */
  onProgress?: (progress: ReconstructProgress) => void;
}

/** Running totals of a reconstruction, for progress display only (never part of any artifact). */
export interface ReconstructProgress {
  /** Replay records read so far (duplicates included). */
  readonly records_read: number;
  /** Subjects whose labels were resolved so far. */
  readonly labels_resolved: number;
  /** Rows appended to parts so far. */
  readonly rows_written: number;
}

/** The result of `reconstruct`. */
export interface DraftResult<LabelReceipt = unknown> {
  /** Where the draft receipt was written: `{platform_run_id}/ofs/drafts/{plan_id}.json`. */
  draftKey: string;
  /** The draft receipt: parts, rows_total, rows_digest, columns, per-slice and total counts. */
  draft: DraftReceipt;
  /** The label receipt `labels.finish()` returned (`undefined` with `finishLabels: false`). */
  labelReceipt: LabelReceipt | undefined;
}

/**
 * Reconstruction (S5), streaming: dedupes the replayed records by `event_id` (first occurrence
 * in `(topic, partition, offset)` order wins; another payload hash is `REPLAY_EVENT_ID_CONFLICT`),
 * computes windowed features per entity key within each topic partition in offset order, builds
 * one row per deduplicated event of `row_topics`, joins labels batch by batch through
 * `deps.labels`, leaves immature rows out of training datasets (counted), writes canonical JSONL
 * parts of `policy.part_rows` rows as they fill, and finally writes the draft receipt.
 *
 * `records` must be the replay stream: in `plan.replay_basis` order, ascending offset within a
 * partition; anything else is `REPLAY_RECORD_INVALID`. Memory is bounded by the window state,
 * the dedupe set, one label batch and one part.
 */
export async function reconstruct<LabelReceipt = unknown>(
  plan: BuildPlan,
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  deps: ReconstructDeps<LabelReceipt>,
  options: ReconstructOptions = {},
): Promise<DraftResult<LabelReceipt>> {
  try {
    return await run(plan, records, deps, options);
  } catch (error) {
    if (isOfsError(error)) throw error;
    throw new OfsError('INTERNAL_ERROR', {
      message: `reconstruction failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

async function run<LabelReceipt>(
  plan: BuildPlan,
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  deps: ReconstructDeps<LabelReceipt>,
  options: ReconstructOptions,
): Promise<DraftResult<LabelReceipt>> {
  throwIfAborted(options.signal);
  const prep = await prepareReconstruction(plan, deps);
  const pass = await buildRows(plan, records, deps, options, prep);
  return assembleDraft(plan, prep, pass, deps, options);
}

/** What every pass over the rows of one plan shares: the compiled profile, the policy, the row layout and the part encoder. */
export interface PreparedReconstruction {
  readonly profile: CompiledProfile;
  readonly policy: OfsPolicy & { part_rows: number; label_batch_size: number };
  readonly labelTypes: readonly string[];
  readonly layout: RowLayout;
  readonly settings: ReturnType<typeof partSettings>;
  readonly encoder: Awaited<ReturnType<typeof createParquetPartEncoder>> | undefined;
}

/** Checks the pins and compiles what the row loop needs (internal: shared with the shard workers). */
export async function prepareReconstruction(
  plan: BuildPlan,
  deps: Pick<ReconstructDeps, 'profile' | 'policy'>,
): Promise<PreparedReconstruction> {
  const profile = compileProfile(deps.profile);
  assertPinned(plan, profile, deps.policy);
  const policy = { ...OFS_POLICY_DEFAULTS, ...deps.policy };
  const labelTypes = coveragePolicyOf(plan, policy).label_types;
  const layout = rowLayout(profile, labelTypes, policy.label_value_types);
  const settings = partSettings(policy);
  const encoder = settings.format === 'parquet' ? await createParquetPartEncoder(layout.columns, settings) : undefined;
  return { profile, policy, labelTypes, layout, settings, encoder };
}

/** What one pass of the row loop produced: per-slice counts, the written parts and the label delays of the rows written. */
export interface RowsPass {
  readonly counts: DraftSliceCounts[];
  readonly written: Awaited<ReturnType<PartWriter['finish']>>;
  readonly labelDelays: LabelDelays;
  /** Statistics of the rows written (without `label_delays`, which `labelDelays` holds). */
  readonly stats: DatasetStats;
}

/**
 * The row loop (internal: the one-thread build runs it over the whole stream, a shard worker
 * over one partition's records): dedupe, features, rows, labels by batch, partition-local parts.
 */
export async function buildRows(
  plan: BuildPlan,
  records: AsyncIterable<ReplayRecord> | Iterable<ReplayRecord>,
  deps: Pick<ReconstructDeps, 'labels' | 'store'>,
  options: ReconstructOptions,
  prep: PreparedReconstruction,
): Promise<RowsPass> {
  const { signal } = options;
  const { profile, policy, layout, encoder } = prep;
  const coercers = layout.coercers;
  const typedFrom = profile.typed ? layout.fieldSlot : layout.width;
  const training = plan.training_posture === 'TRAINING';
  const slices = plan.replay_basis;
  const counts: DraftSliceCounts[] = emptySliceCounts(slices);
  const seen = new EventIdSet(options.expectedEvents);
  // Statistics of the rows written, from their values as each row is appended (D111: the same
  // figures as reading the parts back, without encoding-then-parsing every line; merge-exact
  // across shards).
  const stats = new DatasetStatsAccumulator(layout.columns, prep.labelTypes, { markers: statsMarkers(profile) });
  const parts = new PartWriter(deps.store, plan.platform_run_id, policy.part_rows, {
    ...(signal ? { signal } : {}),
    ...(encoder ? { encoder } : {}),
  });

  // The batch face of the feature engine: window state per topic partition, in offset order.
  const features = new BatchFeatures(profile);

  // Rows wait for their labels as encoded bytes (early runs), not as value arrays.
  const split = layout.split;
  // It also holds the early values of each row until the row is appended, for the statistics.
  const batch = new RowBatch(split.lateRuns + 1, policy.label_batch_size, split.earlySlots);
  // As stand-ins that count the same (not e.g. the payload hash or a feature's decimal string).
  const keptColumn = split.earlySlots.map((slot) => layout.slots.indexOf(slot));
  const keptStandIn = (j: number, value: unknown) => stats.standIn(keptColumn[j] as number, value);
  let processed = 0;
  let labelsResolved = 0;
  const report = () => {
    if (!options.onProgress) return;
    let rows = 0;
    for (const c of counts) rows += c.rows;
    options.onProgress({ records_read: processed, labels_resolved: labelsResolved, rows_written: rows });
  };
  // Label delays are tallied while labels are joined: the rows do not hold them (D114).
  const delays = new LabelDelayTally(layout.labelTypes);
  const flush = async () => {
    if (batch.length === 0) return;
    await joinLabels(batch, layout, deps.labels, training, counts, slices, parts, delays, stats, signal);
    labelsResolved += batch.length;
    batch.clear();
    report();
  };

  let sliceIndex = -1;
  let slice: ReplaySlice | undefined;
  let partitionId = '';
  let lastOffset = '';
  // One value array, reused for every record.
  const values: unknown[] = new Array(layout.width).fill(null);

  const iterator = Symbol.asyncIterator in records ? records[Symbol.asyncIterator]() : toAsync(records as Iterable<ReplayRecord>);
  for (;;) {
    let step: IteratorResult<ReplayRecord>;
    try {
      step = await iterator.next();
    } catch (error) {
      throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', 'reading the replay stream');
    }
    if (step.done) break;
    const r = step.value;
    if ((++processed & 4095) === 0) {
      throwIfAborted(signal);
      report();
    }

    // Slice membership and order.
    if (slice === undefined || !inSlice(r, slice)) {
      const next = findSlice(slices, sliceIndex + 1, r);
      if (next < 0) throw recordError(r, 'is outside the remaining replay basis slices (foreign or out of order)');
      sliceIndex = next;
      slice = slices[next] as ReplaySlice;
      const pid = `${r.topic}\u0000${r.partition}`;
      if (pid !== partitionId) {
        partitionId = pid;
        lastOffset = '';
        features.startPartition();
        // Parts are partition-local (recipes v3): the rows still waiting for labels belong to
        // the previous partition's last part.
        await flush();
        await parts.startPartition(r.topic, r.partition);
      }
    }
    if (lastOffset !== '' && compareDecimal(r.offset, lastOffset) <= 0) {
      throw recordError(r, `arrives after offset ${lastOffset} of its partition (records must ascend by offset)`);
    }
    lastOffset = r.offset;
    const sc = counts[sliceIndex] as DraftSliceCounts;
    sc.records++;

    // Dedupe by event_id.
    if (isDuplicate(seen, r)) {
      sc.duplicates_dropped++;
      continue;
    }

    // Features.
    const payload = r.payload as Record<string, unknown>;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw recordError(r, 'has no payload object');
    const isRow = features.isRowTopic(r.topic);
    if (!isRow) {
      features.advance(r, undefined);
      continue;
    }
    const { canonical } = features.advance(r, values, layout.windowSlot);
    sc.row_events++;
    values[EVENT_SLOTS.event_id] = r.event_id;
    values[EVENT_SLOTS.topic] = r.topic;
    values[EVENT_SLOTS.partition] = r.partition;
    values[EVENT_SLOTS.offset] = r.offset;
    values[EVENT_SLOTS.offset_kind] = r.offset_kind;
    values[EVENT_SLOTS.ts_utc] = canonical;
    values[EVENT_SLOTS.payload_hash] = r.payload_hash;
    for (let e = 0; e < profile.entities.length; e++) {
      const raw = valueAt(payload, (profile.entities[e] as CompiledEntity).path);
      values[layout.entitySlot + e] = entityKey(raw) === undefined ? null : raw;
    }
    for (let f = 0; f < profile.fields.length; f++) {
      values[layout.fieldSlot + f] = valueAt(payload, (profile.fields[f] as CompiledField).path) ?? null;
    }
    // Typed columns (profile v2): every projected and derived value must fit its declared type.
    for (let i = typedFrom; i < layout.labelSlot; i++) {
      const coerce = coercers[i];
      if (coerce !== undefined) values[i] = coerce(values[i], r.event_id);
    }
    batch.begin(sliceIndex, r.event_id, canonical);
    batch.keepValues(values, keptStandIn);
    for (let k = 0; k <= split.lateRuns; k++) {
      split.writeEarly(values, k, batch.sink);
      batch.endRun(k);
    }
    if (batch.length >= policy.label_batch_size) await flush();
  }
  await flush();
  throwIfAborted(signal);
  const written = await parts.finish();
  report();
  return { counts, written, labelDelays: delays.result(), stats: stats.result() };
}

/** Zeroed counts for every slice of the basis. */
export function emptySliceCounts(slices: readonly ReplaySlice[]): DraftSliceCounts[] {
  return slices.map((s) => ({
    topic: s.topic,
    partition: s.partition,
    offset_kind: s.offset_kind,
    start_offset: s.start_offset,
    end_offset: s.end_offset,
    records: 0,
    duplicates_dropped: 0,
    row_events: 0,
    rows: 0,
    immature: 0,
    immature_excluded: 0,
  }));
}

/**
 * Finishes label resolution, writes the statistics and the draft receipt from a pass's counts
 * and parts (internal: the sharded build merges its shards' passes into one first).
 */
export async function assembleDraft<LabelReceipt>(
  plan: BuildPlan,
  prep: PreparedReconstruction,
  pass: RowsPass,
  deps: ReconstructDeps<LabelReceipt>,
  options: ReconstructOptions,
): Promise<DraftResult<LabelReceipt>> {
  const { signal } = options;
  const { profile, policy, labelTypes, layout, settings, encoder } = prep;
  const { counts, written } = pass;
  const training = plan.training_posture === 'TRAINING';
  let labelReceipt: LabelReceipt | undefined;
  if (options.finishLabels !== false) {
    try {
      labelReceipt = await deps.labels.finish(signal ? { signal } : undefined);
    } catch (error) {
      throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'finishing label resolution');
    }
  }

  const totals = {
    records: 0,
    duplicates_dropped: 0,
    row_events: 0,
    rows: 0,
    immature: 0,
    immature_excluded: 0,
  };
  for (const c of counts) {
    totals.records += c.records;
    totals.duplicates_dropped += c.duplicates_dropped;
    totals.row_events += c.row_events;
    totals.rows += c.rows;
    totals.immature += c.immature;
    totals.immature_excluded += c.immature_excluded;
  }
  const draft: DraftReceipt = {
    schema_version: DRAFT_RECEIPT_SCHEMA_VERSION,
    plan_id: plan.plan_id,
    platform_run_id: plan.platform_run_id,
    dataset_manifest_id: plan.dataset_manifest_id,
    basis_hash: plan.basis_hash,
    training_posture: plan.training_posture,
    feature_profile: {
      feature_set_id: profile.profile.feature_set_id,
      feature_set_version: profile.profile.feature_set_version,
      ref: profile.ref,
      digest: profile.digest,
    },
    policy: { revision: plan.policy.revision, digest: plan.policy.digest },
    part_rows: policy.part_rows,
    label_types: [...labelTypes],
    immature_rows_included: !training,
    columns: layout.columns.map((c) => ({ ...c })),
    // A policy that names a part format, or a typed profile, gets a v2 manifest (part format
    // recorded); older configurations keep their v1 draft and manifest bytes (D93).
    ...(policy.part_format !== undefined || profile.typed
      ? { part_format: { ...settings, ...(encoder?.writer ? { writer: encoder.writer } : {}) } }
      : {}),
    parts: written.parts,
    rows_total: written.rows,
    rows_digest_recipe: ROWS_DIGEST_RECIPE,
    rows_digest: written.rowsDigest,
    bytes_total: written.bytes,
    slices: counts,
    totals,
    stats: await writeDatasetStats(
      deps.store,
      plan.platform_run_id,
      plan.plan_id,
      { ...pass.stats, label_delays: pass.labelDelays },
      signal ? { signal } : {},
    ),
  };
  const draftKey = draftReceiptKey(plan.platform_run_id, plan.plan_id);
  await writeOnceJson(deps.store, draftKey, draft, signal ? { signal } : undefined);
  return { draftKey, draft, labelReceipt };
}

/**
 * Resolves one batch of labels, joins them and appends the rows (training: immature rows are
 * counted and left out); the delay of each LABELLED label of an appended row goes to `delays`,
 * its values to `stats`.
 */
async function joinLabels(
  batch: RowBatch,
  layout: RowLayout,
  labels: LabelBatchResolver,
  training: boolean,
  counts: DraftSliceCounts[],
  slices: readonly ReplaySlice[],
  parts: PartWriter,
  delays: LabelDelayTally,
  stats: DatasetStatsAccumulator,
  signal: AbortSignal | undefined,
): Promise<void> {
  const n = batch.length;
  const subjects: LabelSubject[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const slice = slices[batch.slice(i)] as ReplaySlice;
    subjects[i] = {
      event_id: batch.eventIds[i] as string,
      ts_utc: batch.times[i] as string,
      topic: slice.topic,
      partition: slice.partition,
    };
  }
  let resolved: SubjectLabels[];
  try {
    resolved = await labels.resolveBatch(subjects, signal ? { signal } : undefined);
  } catch (error) {
    throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'resolving a label batch');
  }
  if (!Array.isArray(resolved) || resolved.length !== n) {
    throw new OfsError('INTERNAL_ERROR', {
      message: `the label resolver returned ${Array.isArray(resolved) ? resolved.length : 'no'} results for ${n} subjects`,
    });
  }
  const { split } = layout;
  const late: unknown[] = new Array(layout.width).fill(null);
  const bytes = batch.bytes;
  for (let i = 0; i < n; i++) {
    const subject = resolved[i] as SubjectLabels;
    const eventId = batch.eventIds[i];
    if (subject.event_id !== eventId) {
      throw new OfsError('INTERNAL_ERROR', {
        message: `the label resolver answered for ${subject.event_id} where ${String(eventId)} was asked`,
      });
    }
    const sc = counts[batch.slice(i)] as DraftSliceCounts;
    if (!subject.mature) {
      sc.immature++;
      if (training) {
        sc.immature_excluded++;
        continue;
      }
    }
    late[EVENT_SLOTS.mature] = subject.mature;
    let slot = layout.labelSlot;
    for (let t = 0; t < layout.labelTypes.length; t++) {
      const label = subject.labels[layout.labelTypes[t] as string];
      const value = label?.status === 'LABELLED' ? label.value : null;
      if (label?.status === 'LABELLED') delays.add(t, label.delay_ms);
      const coerce = layout.coercers[slot];
      late[slot++] = coerce === undefined ? value : coerce(value, eventId as string);
      late[slot++] = label?.status ?? 'UNLABELLED';
      late[slot++] = label?.status === 'LABELLED' ? label.assertion_id : null;
    }
    sc.rows++;
    batch.keptValues(i, late);
    stats.addValues(late, layout.slots);
    for (let k = 0; k < split.lateRuns; k++) {
      parts.writeBytes(bytes, batch.start(i, k), batch.end(i, k));
      split.writeLate(late, k, parts.sink);
    }
    parts.writeBytes(bytes, batch.start(i, split.lateRuns), batch.end(i, split.lateRuns));
    if (parts.endRow()) await parts.flushIfFull();
  }
}

/** The pins reconstruction relies on must be the plan's (law 3: version-locked meaning). */
function assertPinned(plan: BuildPlan, profile: CompiledProfile, policy: OfsPolicy): void {
  const pinned = plan.feature_profile;
  if (
    pinned.feature_set_id !== profile.profile.feature_set_id ||
    pinned.feature_set_version !== profile.profile.feature_set_version ||
    pinned.digest !== profile.digest
  ) {
    throw new OfsError('FEATURE_PROFILE_DRIFT', {
      message: `the feature profile ${profile.profile.feature_set_id}@${profile.profile.feature_set_version} (${profile.digest}) is not the one the plan pins (${pinned.feature_set_id}@${pinned.feature_set_version}, ${pinned.digest})`,
      details: { plan_digest: pinned.digest, profile_digest: profile.digest },
    });
  }
  if (policy.revision !== plan.policy.revision) {
    throw new OfsError('POLICY_REVISION_MISMATCH', {
      message: `policy revision ${policy.revision} is not the plan's ${plan.policy.revision}`,
      details: { plan: plan.policy.revision, policy: policy.revision },
    });
  }
}

function inSlice(r: ReplayRecord, s: ReplaySlice): boolean {
  return (
    r.topic === s.topic &&
    r.partition === s.partition &&
    r.offset_kind === s.offset_kind &&
    compareDecimal(r.offset, s.start_offset) >= 0 &&
    compareDecimal(r.offset, s.end_offset) <= 0
  );
}

/**
 * The dedupe rule (internal: shared with the sharded build's first pass): `true` when `r` repeats
 * an event already in `seen` with the same payload hash; a record without an event id or payload
 * hash is `REPLAY_RECORD_INVALID`, a repeat with another payload hash `REPLAY_EVENT_ID_CONFLICT`.
 */
export function isDuplicate(seen: EventIdSet, r: ReplayRecord): boolean {
  if (typeof r.event_id !== 'string' || r.event_id === '' || typeof r.payload_hash !== 'string' || r.payload_hash.length !== 64) {
    throw recordError(r, 'lacks an event_id or a payload_hash');
  }
  const outcome = seen.add(r.event_id, r.payload_hash);
  if (outcome === 'conflict') {
    throw new OfsError('REPLAY_EVENT_ID_CONFLICT', {
      message: `event ${r.event_id} was replayed again at ${r.topic}/${r.partition}@${r.offset} with another payload hash`,
      details: { event_id: r.event_id, topic: r.topic, partition: r.partition, offset: r.offset, payload_hash: r.payload_hash },
    });
  }
  return outcome === 'duplicate';
}

/** The index of the first slice at or after `from` that holds `r`, or -1 (internal: shared with the sharded build). */
export function findSlice(slices: readonly ReplaySlice[], from: number, r: ReplayRecord): number {
  if (typeof r.offset !== 'string' || !/^(0|[1-9][0-9]*)$/.test(r.offset)) return -1;
  for (let i = from; i < slices.length; i++) if (inSlice(r, slices[i] as ReplaySlice)) return i;
  return -1;
}

/** `REPLAY_RECORD_INVALID` naming the record (internal: shared with the sharded build). */
export function recordError(r: ReplayRecord, what: string): OfsError {
  return new OfsError('REPLAY_RECORD_INVALID', {
    message: `record ${r.topic}/${r.partition}@${r.offset} (${r.event_id}) ${what}`,
    details: { topic: r.topic, partition: r.partition, offset: r.offset, event_id: r.event_id },
  });
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
