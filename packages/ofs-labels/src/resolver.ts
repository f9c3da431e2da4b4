import {
  type AbortOptions,
  coveragePolicyOf,
  type BuildPlan,
  canonicalInstant,
  type LabelAssertion,
  type LabelBatchResolver,
  type LabelReceipt,
  type LabelTypeCounts,
  type LabelStore,
  type LabelSubject,
  type LabelSubjectKey,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  parseInstant,
  RESOLVED_DIGEST_RECIPE_V2,
  type ResolvedLabel,
  type SubjectLabels,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { createSha256, PartitionDigests, writeOnceJson } from '@ofs/ids';
import { compareRankParts, isEligibleAsOfParts, minusDays, parseLabelInstant } from './as-of.js';
import {
  CONFLICT_FRAGMENT_BYTES,
  labelDigestFragment,
  UNLABELLED_FRAGMENT_BYTES,
  writeDigestLineEnd,
  writeDigestLineHead,
} from './digest-line.js';
import { DigestWriter } from './digest-writer.js';
import { delayMs } from './label-delay.js';
import { parseInstantInto } from './fast-instant.js';
import { buildLabelReceipt, labelReceiptKey } from './receipt.js';
import { compareStoredRank, type MemoryLabelIndex, memoryLabelIndexOf, type StoredLabel } from './stored-label.js';
import { TypeTally } from './tally.js';

/** What the label resolver needs: where labels come from, the policy, and where receipts go. */
export interface LabelResolverDeps {
  /** The label store (read by batch; never written). */
  store: LabelStore;
  /**
   * The OFS policy: `revision`, `label_batch_size`; its `label_types`, `min_label_coverage` and
   * `max_conflict_ratio` gate only plans that pin no `coverage_policy` (plans from before it).
   */
  policy: Pick<OfsPolicy, 'revision' | 'label_types' | 'min_label_coverage' | 'max_conflict_ratio'> & { label_batch_size?: number };
  /** Object store the receipt is written to, write-once, at `{platform_run_id}/ofs/labels/{plan_id}.json`. */
  artifacts: ObjectStore;
}

/** Options of `createLabelResolver`. */
export interface LabelResolverOptions {
  /**
   * Most distinct subjects per `LabelStore.timelines` call; a larger `resolveBatch` is served by
   * several calls. Default: `policy.label_batch_size`, else 5,000. Never changes results.
   */
  storeBatchSize?: number;
}

const UNLABELLED: ResolvedLabel = Object.freeze({ status: 'UNLABELLED', value: null, assertion_id: null });
const CONFLICT: ResolvedLabel = Object.freeze({ status: 'CONFLICT', value: null, assertion_id: null });

/**
 * The best eligible assertions of one store batch, one slot per (subject, label type): their
 * (effective, observed) instants as (ms, ns) pairs in `times`, the greatest tied id, the value and
 * whether the top-tied assertions disagree. Typed arrays, so a batch allocates a handful of objects.
 */
class BatchBest {
  readonly times: Float64Array;
  readonly ids: (string | undefined)[];
  readonly values: LabelAssertion['value'][];
  readonly conflict: Uint8Array;
  constructor(slots: number) {
    this.times = new Float64Array(slots * 4);
    this.ids = new Array(slots);
    this.values = new Array(slots);
    this.conflict = new Uint8Array(slots);
  }

  /** The resolved label of a slot. */
  label(slot: number): ResolvedLabel {
    const id = this.ids[slot];
    if (id === undefined) return UNLABELLED;
    if (this.conflict[slot] === 1) return CONFLICT;
    const t = this.times;
    const o = slot * 4;
    return { status: 'LABELLED', value: this.values[slot]!, assertion_id: id, delay_ms: delayMs(t[o]!, t[o + 1]!, t[o + 2]!, t[o + 3]!) };
  }
}

function timestampError(a: LabelAssertion, field: 'observed_time' | 'effective_time'): OfsError {
  return new OfsError('LABEL_TIMESTAMP_INVALID', {
    message: `${field} is not an RFC 3339 instant with an explicit zone: ${JSON.stringify(a[field])}`,
    details: { field, value: String(a[field]), assertion_id: a.assertion_id, event_id: a.event_id },
  });
}

/** The cutoffs and coverage policy a plan's label resolution runs under (checked). */
export function labelResolutionSettings(plan: BuildPlan, policy: LabelResolverDeps['policy']) {
  const basis = plan.label_basis;
  const asofText = basis.label_asof_instant ?? basis.label_asof_utc;
  const cutoff = parseInstant(asofText);
  if (cutoff === undefined) {
    throw new OfsError('LABEL_ASOF_INVALID', { message: `label_asof is not an RFC 3339 instant with a zone: ${asofText}` });
  }
  const maturityDays = basis.maturity_days;
  if (maturityDays !== undefined && !(Number.isInteger(maturityDays) && maturityDays >= 0)) {
    throw new OfsError('LABEL_ASOF_MISSING', { message: `maturity_days must be a whole number ≥ 0, got ${maturityDays}` });
  }
  const maturityCutoff = maturityDays === undefined ? undefined : minusDays(cutoff, maturityDays);
  const coverage = coveragePolicyOf(plan, policy);
  const types = [...coverage.label_types];
  if (types.length === 0 || new Set(types).size !== types.length) {
    throw new OfsError('POLICY_INVALID', { message: 'policy.label_types must be non-empty and unique' });
  }
  return { cutoff, maturityCutoff, coverage, types };
}

/** `COVERAGE_POLICY_VIOLATION` when a TRAINING plan's receipt is not ready for training. */
export function assertReadyForTraining(plan: BuildPlan, receipt: LabelReceipt): LabelReceipt {
  if (plan.training_posture === 'TRAINING' && receipt.status !== 'READY_FOR_TRAINING') {
    throw new OfsError('COVERAGE_POLICY_VIOLATION', {
      message: `labels are not ready for training: ${receipt.reasons.join(',')}`,
      details: {
        reasons: receipt.reasons,
        coverage: receipt.coverage,
        conflict_ratio: receipt.conflict_ratio,
        receipt_key: labelReceiptKey(plan),
      },
    });
  }
  return receipt;
}

/**
 * What one shard's label resolution adds to the run's label receipt (recipes v3: the resolved
 * digest is per topic partition, so shards built in other processes combine exactly): counts,
 * tallies per label type (policy order), the partitions' digests, and the label store's state
 * marker the shard read. JSON; `mergeLabelPartials` of `@ofs/labels` turns a run's partials into
 * its receipt.
 */
export interface LabelResolutionPartial {
  readonly recipe: typeof RESOLVED_DIGEST_RECIPE_V2;
  readonly subjects: number;
  readonly mature: number;
  readonly by_type: LabelTypeCounts[];
  readonly partitions: { topic: string; partition: number; digest: string }[];
  readonly store_state_marker: string;
}

/** The label resolver of `createLabelResolver`: a `LabelBatchResolver` that can also hand over a shard's partial. */
export interface LabelResolver extends LabelBatchResolver<LabelReceipt> {
  /**
   * Instead of `finish`: this resolver's counts, tallies and per-partition digests, with the label
   * store's state marker read now. Needs subjects that name their topic partition (or none).
   */
  partial(options?: AbortOptions): Promise<LabelResolutionPartial>;
}

/**
 * The label as-of resolver (S4, DESIGN §8), as the `LabelBatchResolver` reconstruction consumes.
 *
 * For each subject and policy label type, among assertions with `observed_time <= label_asof`
 * (instants): latest `effective_time`, then latest `observed_time`; top-tied assertions that
 * disagree → `CONFLICT`, else the greatest `assertion_id` wins. Subjects with
 * `ts_utc > label_asof − maturity_days` are immature. `resolveBatch` makes one store call per
 * batch (per `storeBatchSize` subjects) and returns labels in input order; calls are applied in
 * call order. `finish` writes the receipt write-once and returns it; for a TRAINING plan it then
 * throws `COVERAGE_POLICY_VIOLATION` when the receipt is NOT_READY_FOR_TRAINING.
 */
export function createLabelResolver(plan: BuildPlan, deps: LabelResolverDeps, options: LabelResolverOptions = {}): LabelResolver {
  const { store, policy, artifacts } = deps;
  const runId = plan.platform_run_id;
  const { cutoff, maturityCutoff, coverage, types } = labelResolutionSettings(plan, policy);
  const storeBatchSize = options.storeBatchSize ?? policy.label_batch_size ?? 5_000;
  if (!(Number.isInteger(storeBatchSize) && storeBatchSize >= 1)) {
    throw new OfsError('POLICY_INVALID', { message: `storeBatchSize must be a whole number ≥ 1, got ${storeBatchSize}` });
  }
  const typeIndex = new Map(types.map((t, i) => [t, i]));
  const T = types.length;

  // The resolved digest: one stream of lines (`ofs.labels.resolved_digest.v1`) for callers that
  // do not say where subjects come from, or one per topic partition combined in basis order
  // (`…v2`, recipes v3) when every subject names its topic and partition (reconstruction does).
  const digest = createSha256();
  const basisRank = new Map<string, number>();
  for (const s of plan.replay_basis) {
    const key = `${s.topic}/${s.partition}`;
    if (!basisRank.has(key)) basisRank.set(key, basisRank.size);
  }
  const partitionDigests = new PartitionDigests((topic, partition) => basisRank.get(`${topic}/${partition}`) ?? -1);
  const partitionLines = new Map<string, DigestWriter>();
  /** `v1` until the first batch, then fixed for the resolver's life. */
  let digestMode: 'unknown' | 'v1' | 'v2' = 'unknown';
  const v1Lines = new DigestWriter(digest);
  /** Where the current subject's digest line goes. */
  let lines = v1Lines;
  const selectLines = (subject: LabelSubject): void => {
    if (digestMode !== 'v2') return;
    const key = `${subject.topic}/${subject.partition}`;
    let writer = partitionLines.get(key);
    if (writer === undefined) {
      writer = new DigestWriter(partitionDigests.of(subject.topic as string, subject.partition as number), 1 << 14);
      partitionLines.set(key, writer);
    }
    lines = writer;
  };
  let digestHex: string | undefined;
  /** The finished resolved digest (computed once: a retried `finish` reuses it). */
  const resolvedDigest = (): string => {
    if (digestHex === undefined) {
      if (digestMode === 'v2') {
        for (const writer of partitionLines.values()) writer.flush();
        digestHex = partitionDigests.digestHex();
      } else {
        v1Lines.flush();
        digestHex = digest.digestHex();
      }
    }
    return digestHex;
  };
  const tallies = types.map(() => new TypeTally());
  let subjectsFed = 0;
  let mature = 0;
  let tail: Promise<unknown> = Promise.resolve();
  let finished: Promise<LabelReceipt> | undefined;

  const scratch = new Float64Array(4);
  /** The fast path's best assertion and conflict flag per label type of the current subject. */
  const bestScratch: (StoredLabel | undefined)[] = new Array(T).fill(undefined);
  const conflictScratch = new Uint8Array(T);
  const cutMs = cutoff.epochMs;
  const cutNs = cutoff.subMsNanos;

  /** Folds one assertion into the batch's best-so-far (DESIGN §8 ranking and conflicts). */
  function consider(a: LabelAssertion, slotOf: Map<string, number>, best: BatchBest): void {
    // Defensive: a store that returns what was not asked for cannot leak it into rows.
    if (a.platform_run_id !== runId) return;
    const subjectSlot = slotOf.get(a.event_id);
    const t = typeIndex.get(a.label_type);
    if (subjectSlot === undefined || t === undefined) return;
    if (typeof a.observed_time !== 'string' || !parseInstantInto(a.observed_time, scratch, 2)) throw timestampError(a, 'observed_time');
    if (typeof a.effective_time !== 'string' || !parseInstantInto(a.effective_time, scratch, 0)) throw timestampError(a, 'effective_time');
    if (!isEligibleAsOfParts(scratch[2]!, scratch[3]!, cutMs, cutNs)) return;
    const slot = subjectSlot * T + t;
    const times = best.times;
    const o = slot * 4;
    const current = best.ids[slot];
    const rank = current === undefined ? 1 : compareRankParts(scratch, 0, times, o);
    if (rank > 0) {
      times[o] = scratch[0]!;
      times[o + 1] = scratch[1]!;
      times[o + 2] = scratch[2]!;
      times[o + 3] = scratch[3]!;
      best.ids[slot] = a.assertion_id;
      best.values[slot] = a.value;
      best.conflict[slot] = 0;
    } else if (rank === 0) {
      if (a.value !== best.values[slot]) best.conflict[slot] = 1;
      if (a.assertion_id > current!) best.ids[slot] = a.assertion_id;
    }
  }

  async function fetchBest(keys: readonly LabelSubjectKey[], slotOf: Map<string, number>, best: BatchBest, signal?: AbortSignal) {
    try {
      const source = store.timelines(keys, types, signal === undefined ? undefined : { signal });
      if (Symbol.iterator in source) {
        // Stores that already hold the batch (the memory store) may also be sync-iterable.
        for (const a of source as unknown as Iterable<LabelAssertion>) consider(a, slotOf, best);
      } else {
        for await (const a of source) consider(a, slotOf, best);
      }
    } catch (error) {
      throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'reading label timelines');
    }
  }

  /**
   * Checks every subject (an `event_id`, an RFC 3339 `ts_utc`) before anything is resolved, and
   * returns which are mature (1) or not (0).
   */
  function validateSubjects(subjects: readonly LabelSubject[]): Uint8Array {
    const matureOf = new Uint8Array(subjects.length);
    const ts = scratch;
    if (digestMode === 'unknown' && subjects.length > 0) digestMode = subjects[0]!.topic === undefined ? 'v1' : 'v2';
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[i]!;
      if (typeof s?.event_id !== 'string' || s.event_id.length === 0) {
        throw new OfsError('SCHEMA_INVALID', { message: `subject ${i} has no event_id`, details: { index: i } });
      }
      if (digestMode === 'v2' ? !basisRank.has(`${s.topic}/${s.partition}`) : s.topic !== undefined || s.partition !== undefined) {
        throw new OfsError('SCHEMA_INVALID', {
          message:
            digestMode === 'v2'
              ? `subject ${i} (${s.event_id}) names no topic partition of the plan's replay basis (${String(s.topic)}/${String(s.partition)}); every subject must name one once the first did`
              : `subject ${i} (${s.event_id}) names a topic partition although the first subject fed named none`,
          details: { index: i, event_id: s.event_id },
        });
      }
      if (typeof s.ts_utc !== 'string' || !parseInstantInto(s.ts_utc, ts, 0))
        parseLabelInstant(s.ts_utc, 'ts_utc', { event_id: s.event_id });
      // Mature iff ts_utc <= label_asof − maturity_days: the same inclusive rule as eligibility.
      matureOf[i] =
        maturityCutoff === undefined || isEligibleAsOfParts(ts[0]!, ts[1]!, maturityCutoff.epochMs, maturityCutoff.subMsNanos) ? 1 : 0;
    }
    return matureOf;
  }

  /**
   * The memory store's fast path: one pass over the batch, ranking each subject's pre-parsed
   * assertions as §8 says (the same rules as `consider`) and building its row and digest line
   * straight away. No store call, no per-assertion parsing, no lookup by event_id per assertion.
   * Tallies are updated here; nothing in this function can throw after validation.
   */
  function resolveFromMemory(index: MemoryLabelIndex, subjects: readonly LabelSubject[], matureOf: Uint8Array): SubjectLabels[] {
    const events = index.bySubject.get(runId);
    const typeSlot = new Int32Array(index.typeIds.size).fill(-1);
    for (const [type, id] of index.typeIds) typeSlot[id] = typeIndex.get(type) ?? -1;
    const best = bestScratch;
    const conflict = conflictScratch;
    const rows: SubjectLabels[] = new Array(subjects.length);
    for (let i = 0; i < subjects.length; i++) {
      const eventId = subjects[i]!.event_id;
      for (let t = 0; t < T; t++) {
        best[t] = undefined;
        conflict[t] = 0;
      }
      const records = events?.get(eventId)?.records;
      if (records !== undefined) {
        for (let k = 0; k < records.length; k++) {
          const r = records[k]!;
          const t = typeSlot[r.typeId]!;
          if (t < 0 || !isEligibleAsOfParts(r.observedMs, r.observedNs, cutMs, cutNs)) continue;
          const b = best[t];
          const rank = b === undefined ? 1 : compareStoredRank(r, b);
          if (rank > 0) {
            best[t] = r;
            conflict[t] = 0;
          } else if (rank === 0) {
            if (r.assertion.value !== b!.assertion.value) conflict[t] = 1;
            if (r.assertion.assertion_id > b!.assertion.assertion_id) best[t] = r;
          }
        }
      }
      const isMature = matureOf[i] === 1;
      const labels: Record<string, ResolvedLabel> = {};
      selectLines(subjects[i]!);
      writeDigestLineHead(lines, eventId, isMature);
      for (let t = 0; t < T; t++) {
        const b = best[t];
        let label: ResolvedLabel;
        if (b === undefined) {
          label = UNLABELLED;
          lines.bytes(UNLABELLED_FRAGMENT_BYTES);
        } else if (conflict[t] === 1) {
          label = CONFLICT;
          lines.bytes(CONFLICT_FRAGMENT_BYTES);
        } else {
          label = b.labelled();
          lines.bytes(b.digestFragment());
        }
        labels[types[t]!] = label;
        if (isMature) tallies[t]!.add(label.status, label.value);
      }
      writeDigestLineEnd(lines);
      rows[i] = { event_id: eventId, mature: isMature, labels };
    }
    best.fill(undefined);
    return rows;
  }

  /** Any other store: one `timelines` call per `storeBatchSize` distinct subjects, then the rows. */
  async function resolveFromStore(subjects: readonly LabelSubject[], matureOf: Uint8Array, signal?: AbortSignal): Promise<SubjectLabels[]> {
    // Index the batch's distinct subjects.
    const slotOf = new Map<string, number>();
    const keys: LabelSubjectKey[] = [];
    const slotOfSubject = new Int32Array(subjects.length);
    for (let i = 0; i < subjects.length; i++) {
      const eventId = subjects[i]!.event_id;
      let slot = slotOf.get(eventId);
      if (slot === undefined) {
        slot = keys.length;
        slotOf.set(eventId, slot);
        keys.push({ platform_run_id: runId, event_id: eventId });
      }
      slotOfSubject[i] = slot;
    }
    const best = new BatchBest(keys.length * T);
    for (let start = 0; start < keys.length; start += storeBatchSize) {
      throwIfAborted(signal);
      const chunk = start === 0 && keys.length <= storeBatchSize ? keys : keys.slice(start, start + storeBatchSize);
      await fetchBest(chunk, slotOf, best, signal);
    }
    // Build rows, counts and the digest lines in input order.
    const rows: SubjectLabels[] = new Array(subjects.length);
    for (let i = 0; i < subjects.length; i++) {
      const eventId = subjects[i]!.event_id;
      const slot = slotOfSubject[i]! * T;
      const isMature = matureOf[i] === 1;
      const labels: Record<string, ResolvedLabel> = {};
      selectLines(subjects[i]!);
      writeDigestLineHead(lines, eventId, isMature);
      for (let t = 0; t < T; t++) {
        const label = best.label(slot + t);
        labels[types[t]!] = label;
        if (label === UNLABELLED) lines.bytes(UNLABELLED_FRAGMENT_BYTES);
        else if (label === CONFLICT) lines.bytes(CONFLICT_FRAGMENT_BYTES);
        else lines.text(labelDigestFragment(label));
        if (isMature) tallies[t]!.add(label.status, label.value);
      }
      writeDigestLineEnd(lines);
      rows[i] = { event_id: eventId, mature: isMature, labels };
    }
    return rows;
  }

  async function resolve(subjects: readonly LabelSubject[], opts?: AbortOptions): Promise<SubjectLabels[]> {
    throwIfAborted(opts?.signal);
    if (finished !== undefined) throw new OfsError('INTERNAL_ERROR', { message: 'resolveBatch called after finish' });
    // Validate the whole batch before any store call.
    const matureOf = validateSubjects(subjects);
    const index = memoryLabelIndexOf(store);
    // Rows, tallies and digest lines are made only once every store call succeeded (nothing
    // after that can fail), so a failed batch leaves the receipt untouched.
    const rows =
      index === undefined ? await resolveFromStore(subjects, matureOf, opts?.signal) : resolveFromMemory(index, subjects, matureOf);
    subjectsFed += subjects.length;
    for (let i = 0; i < matureOf.length; i++) mature += matureOf[i]!;
    return rows;
  }

  async function finish(opts?: AbortOptions): Promise<LabelReceipt> {
    throwIfAborted(opts?.signal);
    const marker = await labelStateMarker(store, plan, cutoff, opts);
    const receipt = buildLabelReceipt({
      plan,
      policy,
      coverage,
      cutoff: cutoff!,
      maturityCutoff,
      storeStateMarker: marker,
      subjects: subjectsFed,
      mature,
      tallies,
      resolvedDigest: resolvedDigest(),
      ...(digestMode === 'v2' ? { resolvedDigestRecipe: RESOLVED_DIGEST_RECIPE_V2 } : {}),
    });
    await writeOnceJson(artifacts, labelReceiptKey(plan), receipt, opts);
    return receipt;
  }

  return {
    resolveBatch(subjects, opts) {
      const run = tail.then(() => resolve(subjects, opts));
      tail = run.catch(() => undefined);
      return run;
    },
    finish(opts) {
      if (finished === undefined) {
        finished = tail.then(() => finish(opts));
        // A failed finish (store or artifact store unavailable) may be retried.
        finished.catch(() => {
          finished = undefined;
        });
      }
      return finished.then((receipt) => assertReadyForTraining(plan, receipt));
    },
    async partial(opts) {
      await tail;
      throwIfAborted(opts?.signal);
      if (finished !== undefined) throw new OfsError('INTERNAL_ERROR', { message: 'partial called after finish' });
      if (digestMode === 'v1') {
        throw new OfsError('INTERNAL_ERROR', { message: 'a label partial needs subjects that name their topic partition (recipes v3)' });
      }
      for (const writer of partitionLines.values()) writer.flush();
      return {
        recipe: RESOLVED_DIGEST_RECIPE_V2,
        subjects: subjectsFed,
        mature,
        by_type: tallies.map((t) => t.toCounts()),
        partitions: partitionDigests.partitions(),
        store_state_marker: await labelStateMarker(store, plan, cutoff, opts),
      };
    },
  };
}

/** The label store's state marker as of the plan's cutoff. */
export async function labelStateMarker(
  store: LabelStore,
  plan: BuildPlan,
  cutoff: NonNullable<ReturnType<typeof parseInstant>>,
  opts?: AbortOptions,
): Promise<string> {
  try {
    return await store.stateMarker({ platform_run_id: plan.platform_run_id, observed_at_or_before: canonicalInstant(cutoff), ...opts });
  } catch (error) {
    throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'reading the label store state marker');
  }
}
