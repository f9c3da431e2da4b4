import {
  type AbortOptions,
  type BuildPlan,
  canonicalInstant,
  type Instant,
  type LabelAssertion,
  type LabelBatchResolver,
  type LabelReceipt,
  type LabelStore,
  type LabelSubject,
  type LabelSubjectKey,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  parseInstant,
  type ResolvedLabel,
  type SubjectLabels,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { canonicalJson, createSha256, writeOnceJson } from '@ofs/ids';
import { compareRank, isEligibleAsOf, minusDays, parseLabelInstant } from './as-of.js';
import { buildLabelReceipt, labelReceiptKey } from './receipt.js';
import { TypeTally } from './tally.js';

/** What the label resolver needs: where labels come from, the policy, and where receipts go. */
export interface LabelResolverDeps {
  /** The label store (read by batch; never written). */
  store: LabelStore;
  /** The OFS policy: `label_types`, `min_label_coverage`, `max_conflict_ratio`, `label_batch_size`. */
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

/** The best eligible assertion so far for one (subject, label type). */
interface Best {
  eff: Instant;
  obs: Instant;
  id: string;
  value: LabelAssertion['value'];
  conflict: boolean;
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
export function createLabelResolver(
  plan: BuildPlan,
  deps: LabelResolverDeps,
  options: LabelResolverOptions = {},
): LabelBatchResolver<LabelReceipt> {
  const { store, policy, artifacts } = deps;
  const runId = plan.platform_run_id;
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
  const types = [...policy.label_types];
  if (types.length === 0 || new Set(types).size !== types.length) {
    throw new OfsError('POLICY_INVALID', { message: 'policy.label_types must be non-empty and unique' });
  }
  const storeBatchSize = options.storeBatchSize ?? policy.label_batch_size ?? 5_000;
  if (!(Number.isInteger(storeBatchSize) && storeBatchSize >= 1)) {
    throw new OfsError('POLICY_INVALID', { message: `storeBatchSize must be a whole number ≥ 1, got ${storeBatchSize}` });
  }
  const typeIndex = new Map(types.map((t, i) => [t, i]));
  const T = types.length;

  const digest = createSha256();
  const tallies = types.map(() => new TypeTally());
  let subjectsFed = 0;
  let mature = 0;
  let tail: Promise<unknown> = Promise.resolve();
  let finished: Promise<LabelReceipt> | undefined;

  async function fetchBest(
    keys: readonly LabelSubjectKey[],
    slotOf: Map<string, number>,
    best: (Best | undefined)[],
    signal?: AbortSignal,
  ) {
    try {
      for await (const a of store.timelines(keys, types, signal === undefined ? undefined : { signal })) {
        // Defensive: a store that returns what was not asked for cannot leak it into rows.
        if (a.platform_run_id !== runId) continue;
        const slot = slotOf.get(a.event_id);
        const t = typeIndex.get(a.label_type);
        if (slot === undefined || t === undefined) continue;
        const where = { assertion_id: a.assertion_id, event_id: a.event_id };
        const obs = parseLabelInstant(a.observed_time, 'observed_time', where);
        const eff = parseLabelInstant(a.effective_time, 'effective_time', where);
        if (!isEligibleAsOf(obs, cutoff!)) continue;
        const k = slot * T + t;
        const cur = best[k];
        if (cur === undefined) {
          best[k] = { eff, obs, id: a.assertion_id, value: a.value, conflict: false };
          continue;
        }
        const rank = compareRank(eff, obs, cur.eff, cur.obs);
        if (rank > 0) {
          cur.eff = eff;
          cur.obs = obs;
          cur.id = a.assertion_id;
          cur.value = a.value;
          cur.conflict = false;
        } else if (rank === 0) {
          if (a.value !== cur.value) cur.conflict = true;
          if (a.assertion_id > cur.id) cur.id = a.assertion_id;
        }
      }
    } catch (error) {
      throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'reading label timelines');
    }
  }

  async function resolve(subjects: readonly LabelSubject[], opts?: AbortOptions): Promise<SubjectLabels[]> {
    throwIfAborted(opts?.signal);
    if (finished !== undefined) throw new OfsError('INTERNAL_ERROR', { message: 'resolveBatch called after finish' });
    // Validate the batch and index its distinct subjects before any store call.
    const slotOf = new Map<string, number>();
    const keys: LabelSubjectKey[] = [];
    const matureOf: boolean[] = new Array(subjects.length);
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[i]!;
      if (typeof s?.event_id !== 'string' || s.event_id.length === 0) {
        throw new OfsError('SCHEMA_INVALID', { message: `subject ${i} has no event_id`, details: { index: i } });
      }
      const ts = parseLabelInstant(s.ts_utc, 'ts_utc', { event_id: s.event_id });
      matureOf[i] = maturityCutoff === undefined || isEligibleAsOf(ts, maturityCutoff);
      if (!slotOf.has(s.event_id)) {
        slotOf.set(s.event_id, keys.length);
        keys.push({ platform_run_id: runId, event_id: s.event_id });
      }
    }
    const best: (Best | undefined)[] = new Array(keys.length * T);
    for (let start = 0; start < keys.length; start += storeBatchSize) {
      throwIfAborted(opts?.signal);
      const chunk = start === 0 && keys.length <= storeBatchSize ? keys : keys.slice(start, start + storeBatchSize);
      await fetchBest(chunk, slotOf, best, opts?.signal);
    }
    // Build rows, counts and the digest lines in input order.
    const out: SubjectLabels[] = new Array(subjects.length);
    let lines = '';
    for (let i = 0; i < subjects.length; i++) {
      const s = subjects[i]!;
      const slot = slotOf.get(s.event_id)!;
      const isMature = matureOf[i]!;
      const labels: Record<string, ResolvedLabel> = {};
      const line: unknown[] = [s.event_id, isMature];
      for (let t = 0; t < T; t++) {
        const b = best[slot * T + t];
        const label: ResolvedLabel =
          b === undefined ? UNLABELLED : b.conflict ? CONFLICT : { status: 'LABELLED', value: b.value, assertion_id: b.id };
        labels[types[t]!] = label;
        line.push(label.status, label.value, label.assertion_id);
        if (isMature) tallies[t]!.add(label.status, label.value);
      }
      lines += `${canonicalJson(line)}\n`;
      out[i] = { event_id: s.event_id, mature: isMature, labels };
    }
    // Commit the batch's effect on the receipt only once it fully succeeded.
    subjectsFed += subjects.length;
    for (const m of matureOf) if (m) mature++;
    digest.update(lines);
    return out;
  }

  async function finish(opts?: AbortOptions): Promise<LabelReceipt> {
    throwIfAborted(opts?.signal);
    let marker: string;
    try {
      marker = await store.stateMarker({ platform_run_id: runId, observed_at_or_before: canonicalInstant(cutoff!), ...opts });
    } catch (error) {
      throw toOfsError(error, 'LABEL_STORE_UNAVAILABLE', 'reading the label store state marker');
    }
    const receipt = buildLabelReceipt({
      plan,
      policy,
      labelTypes: types,
      cutoff: cutoff!,
      maturityCutoff,
      storeStateMarker: marker,
      subjects: subjectsFed,
      mature,
      tallies,
      resolvedDigest: digest.digestHex(),
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
      return finished.then((receipt) => {
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
      });
    },
  };
}
