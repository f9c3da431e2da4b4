import {
  type AbortOptions,
  type ArtifactRef,
  assertObjectKey,
  type BuildPlan,
  BuildPlanSchema,
  coverageGateReasons,
  typeRatios,
  type DatasetManifest,
  DatasetManifestSchema,
  type DraftReceipt,
  DraftReceiptSchema,
  type DatasetStatsRecord,
  DatasetStatsSchema,
  datasetStatsKey,
  datasetManifestKey,
  draftReceiptKey,
  isOfsError,
  type LabelReceipt,
  LabelReceiptSchema,
  type LedgerStore,
  type ObjectStore,
  OfsError,
  type PlanIndexEntry,
  PlanIndexEntrySchema,
  planIndexKey,
  type ReplayReceipt,
  ReplayReceiptSchema,
  type RunEvent,
  type RunRecord,
  replayReceiptKey,
  type SupersessionLink,
  SupersessionLinkSchema,
  supersessionLinkKey,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { basisHash, canonicalJson, createSha256, datasetManifestId, planId, sha256Hex } from '@ofs/ids';
import type { TSchema } from 'typebox';
import { LABEL_DELAY_BINS } from './dataset-stats.js';
import { labelReceiptKey, planKey } from './keys.js';
import { type PartLines, partFormatOf, partLines } from './part-rows.js';
import { createRowsDigestCheck } from './rows-digest.js';
import { buildManifest, statusClassOf } from './publish.js';
import { schemaProblems } from './schema-check.js';

/** One difference verification found: what was checked, where, and what differs. */
export interface IntegrityDifference {
  /** The check, e.g. `manifest.canonical_form`, `evidence.plan.sha256`, `claim.training_posture`, `index.manifest.sha256`, `part.sha256`, `ledger.manifest_sha256`. */
  readonly check: string;
  /** The object key concerned. */
  readonly key: string;
  readonly message: string;
  readonly expected?: unknown;
  readonly actual?: unknown;
}

/**
 * The read-only part of a ledger that verification uses: the `DONE` runs that published a manifest
 * and their events (a `LedgerStore` fits). Verification never writes.
 */
export type VerifyLedger = Pick<LedgerStore, 'list' | 'events'>;

/** Dependencies of `verifyDataset`. */
export interface VerifyDatasetDeps extends AbortOptions {
  store: ObjectStore;
  /** Where the runs that published manifests are recorded: adds the ledger checks (recorded manifest and artifact digests). */
  ledger?: VerifyLedger;
}

/** What the ledger says about a manifest: the `DONE` runs that name it and what they recorded. */
export interface LedgerEvidence {
  readonly runs: readonly {
    readonly run_key: string;
    readonly outcome: string | null;
    /** The manifest sha256 the run recorded at completion; `null` for runs completed before it was recorded. */
    readonly manifest_sha256: string | null;
  }[];
}

/** A successful verification. */
export interface DatasetVerification {
  readonly manifestKey: string;
  /** sha256 of the manifest's stored bytes. */
  readonly manifestSha256: string;
  readonly manifest: DatasetManifest;
  /** Rows counted in the parts (equals `manifest.rows_total`). */
  readonly rows: number;
  /** The checks that ran, in order. */
  readonly checks: readonly string[];
  /** `null` without a ledger. */
  readonly ledger: LedgerEvidence | null;
  /** What could not be checked (a by-plan index not written yet, a run completed before manifest digests were recorded). */
  readonly notes: readonly string[];
}

/** What `verifyManifestChain` established; `differences` is empty when the chain holds. */
export interface ChainVerification {
  readonly manifestKey: string;
  readonly manifestSha256: string;
  readonly manifest: DatasetManifest | undefined;
  readonly differences: IntegrityDifference[];
  readonly checks: string[];
  readonly ledger: LedgerEvidence | null;
  readonly notes: string[];
}

/** Differences listed in an error's message (all of them are in `details.differences`). */
const MESSAGE_DIFFERENCES = 5;

/** The `DATASET_INTEGRITY_VIOLATION` for a list of differences (every one in `details.differences`). */
export function integrityViolation(manifestKey: string, differences: readonly IntegrityDifference[]): OfsError {
  const shown = differences.slice(0, MESSAGE_DIFFERENCES).map((d) => `${d.check}: ${d.message}`);
  const more = differences.length > MESSAGE_DIFFERENCES ? `; … and ${differences.length - MESSAGE_DIFFERENCES} more` : '';
  return new OfsError('DATASET_INTEGRITY_VIOLATION', {
    message: `${manifestKey}: ${differences.length} difference(s): ${shown.join('; ')}${more}`,
    details: { manifest_key: manifestKey, differences: differences.map((d) => ({ ...d })) },
  });
}

/**
 * Verifies a published dataset end to end, reading and never writing:
 * - the manifest: present, canonical bytes (a re-indented manifest differs), schema v1, its id
 *   derived from its fingerprint and its key where the id puts it;
 * - every `evidence` artifact (plan, replay, label and draft receipts, supersession link): at the
 *   key publication writes it, bytes hashing to the recorded sha256, canonical, schema-valid;
 * - the plan's own identity (plan id, manifest id, basis hash) and every receipt bound to it;
 * - every claim of the manifest re-derived from those artifacts exactly as publication derives it
 *   (posture, cutoff, maturity, label types and store marker, status class, replay and label
 *   status, basis, profile, policy, parts, totals, rows digest, columns, supersession);
 * - superseded manifests still hash to the sha256 recorded for them;
 * - the by-plan index, when written, names this manifest and the sha256 of its bytes;
 * - every part: size, sha256, newline-terminated rows, and the rows digest over all of them;
 * - with a `ledger`: the manifest sha256 and artifact digests recorded by the runs that published it.
 *
 * Every difference found is listed in one `DATASET_INTEGRITY_VIOLATION` (`details.differences`).
 * A missing manifest is `MANIFEST_MISSING` when a `DONE` run in the ledger published it, else
 * `REF_NOT_FOUND`. Memory: one part at a time.
 */
export async function verifyDataset(manifestKey: string, deps: VerifyDatasetDeps): Promise<DatasetVerification> {
  const chain = await verifyManifestChain(manifestKey, deps);
  const differences = [...chain.differences];
  let rows = 0;
  if (chain.manifest) {
    const parts = await verifyParts(chain.manifest, deps);
    differences.push(...parts.differences);
    rows = parts.rows;
  }
  if (differences.length > 0 || chain.manifest === undefined) throw integrityViolation(manifestKey, differences);
  return {
    manifestKey,
    manifestSha256: chain.manifestSha256,
    manifest: chain.manifest,
    rows,
    checks: [...chain.checks, 'parts', 'rows_digest'],
    ledger: chain.ledger,
    notes: chain.notes,
  };
}

/**
 * Everything `verifyDataset` checks except the parts' bytes (see there), with the differences as
 * data. `readDataset` runs it before streaming rows; the parts are checked as they stream.
 */
export async function verifyManifestChain(manifestKey: string, deps: VerifyDatasetDeps): Promise<ChainVerification> {
  assertObjectKey(manifestKey);
  const signal = deps.signal ? { signal: deps.signal } : undefined;
  const differences: IntegrityDifference[] = [];
  const checks: string[] = [];
  const notes: string[] = [];
  const diff = (check: string, key: string, message: string, expected?: unknown, actual?: unknown) =>
    differences.push({ check, key, message, ...(expected === undefined ? {} : { expected }), ...(actual === undefined ? {} : { actual }) });

  const platformRunId = manifestKey.split('/')[0] as string;
  const runs = deps.ledger ? await publishingRuns(deps.ledger, platformRunId, manifestKey, deps.signal) : undefined;
  const bytes = await getBytes(deps.store, manifestKey, signal);
  if (bytes === undefined) {
    if (runs && runs.length > 0) {
      throw new OfsError('MANIFEST_MISSING', {
        message: `${manifestKey} is missing, but run(s) ${runs.map((r) => r.run_key).join(', ')} published it`,
        details: { manifest_key: manifestKey, run_keys: runs.map((r) => r.run_key) },
      });
    }
    throw new OfsError('REF_NOT_FOUND', { message: `no manifest at ${manifestKey}`, details: { key: manifestKey } });
  }
  const manifestSha256 = sha256Hex(bytes);
  let summaries: LedgerEvidence['runs'] = runs ? runs.map((run) => ledgerRunSummary(run, [])) : [];
  const result = (manifest: DatasetManifest | undefined): ChainVerification => ({
    manifestKey,
    manifestSha256,
    manifest,
    differences,
    checks,
    ledger: runs ? { runs: summaries } : null,
    notes,
  });

  // ── the manifest itself ─────────────────────────────────────────────────────────────────────
  checks.push('manifest');
  const parsed = parseCanonical(bytes);
  if (parsed.error) {
    diff('manifest.json', manifestKey, `the manifest is not JSON: ${parsed.error}`);
    return result(undefined);
  }
  if (!parsed.canonical)
    diff('manifest.canonical_form', manifestKey, 'the manifest bytes are not its canonical JSON (edited or re-formatted)');
  const problems = schemaProblems(DatasetManifestSchema, parsed.value, 20);
  if (problems.length > 0) {
    diff('manifest.schema', manifestKey, `not a dataset manifest (v1 or v2): ${problems.join('; ')}`);
    return result(undefined);
  }
  const manifest = parsed.value as DatasetManifest;
  const prid = manifest.platform_run_id;
  const ownKey = datasetManifestKey(prid, manifest.dataset_manifest_id);
  if (ownKey !== manifestKey) diff('manifest.key', manifestKey, `the manifest's id puts it at ${ownKey}`, ownKey, manifestKey);
  const idFromFingerprint = safe(() => datasetManifestId(manifest.dataset_fingerprint));
  if (idFromFingerprint !== manifest.dataset_manifest_id) {
    diff(
      'manifest.dataset_manifest_id',
      manifestKey,
      'the manifest id is not derived from its dataset_fingerprint',
      idFromFingerprint,
      manifest.dataset_manifest_id,
    );
  }

  // ── ledger: what the runs that published it recorded ─────────────────────────────────────────
  if (runs && deps.ledger) {
    checks.push('ledger');
    summaries = await checkLedger(deps.ledger, runs, manifest, manifestKey, manifestSha256, diff, notes, deps.signal);
  }

  // ── evidence artifacts ──────────────────────────────────────────────────────────────────────
  checks.push('evidence');
  const expectedKeys = {
    plan: planKey(prid, manifest.plan_id),
    replay_receipt: replayReceiptKey(prid, manifest.plan_id),
    label_receipt: labelReceiptKey(prid, manifest.plan_id),
    draft_receipt: draftReceiptKey(prid, manifest.plan_id),
  };
  const load = async <T>(name: string, ref: ArtifactRef, expectedKey: string, schema: TSchema): Promise<T | undefined> => {
    if (ref.key !== expectedKey) {
      diff(
        `evidence.${name}.key`,
        manifestKey,
        `the ${name} is cited at ${ref.key}, publication writes it at ${expectedKey}`,
        expectedKey,
        ref.key,
      );
    }
    const stored = await getBytes(deps.store, ref.key, signal);
    if (stored === undefined) {
      diff(`evidence.${name}.missing`, ref.key, `the ${name} the manifest cites does not exist`);
      return undefined;
    }
    const actual = sha256Hex(stored);
    if (actual !== ref.sha256)
      diff(
        `evidence.${name}.sha256`,
        ref.key,
        `the stored ${name} hashes to ${actual}, the manifest records ${ref.sha256}`,
        ref.sha256,
        actual,
      );
    const artifact = parseCanonical(stored);
    if (artifact.error) {
      diff(`evidence.${name}.json`, ref.key, `the ${name} is not JSON: ${artifact.error}`);
      return undefined;
    }
    if (!artifact.canonical)
      diff(`evidence.${name}.canonical_form`, ref.key, `the stored ${name} is not canonical JSON (edited or re-formatted)`);
    const artifactProblems = schemaProblems(schema, artifact.value, 20);
    if (artifactProblems.length > 0) {
      diff(`evidence.${name}.schema`, ref.key, `the ${name} does not match its schema: ${artifactProblems.join('; ')}`);
      return undefined;
    }
    return artifact.value as T;
  };
  const plan = await load<BuildPlan>('plan', manifest.evidence.plan, expectedKeys.plan, BuildPlanSchema);
  const replayReceipt = await load<ReplayReceipt>(
    'replay_receipt',
    manifest.evidence.replay_receipt,
    expectedKeys.replay_receipt,
    ReplayReceiptSchema,
  );
  const labelReceipt = await load<LabelReceipt>(
    'label_receipt',
    manifest.evidence.label_receipt,
    expectedKeys.label_receipt,
    LabelReceiptSchema,
  );
  const draft = await load<DraftReceipt>('draft_receipt', manifest.evidence.draft_receipt, expectedKeys.draft_receipt, DraftReceiptSchema);
  // The build statistics the draft cites (drafts written before them cite none).
  if (draft?.stats) {
    const stats = await load<DatasetStatsRecord>('stats', draft.stats, datasetStatsKey(prid, manifest.plan_id), DatasetStatsSchema);
    if (stats) {
      checks.push('stats');
      if (stats.rows_total !== draft.rows_total)
        diff('stats.rows_total', draft.stats.key, "the statistics' rows_total is not the draft's", draft.rows_total, stats.rows_total);
      // Label delays (D114, absent in older statistics): one count per LABELLED label of a row, per type.
      if (stats.label_delays) {
        const types = [...draft.label_types].sort();
        const delayTypes = Object.keys(stats.label_delays.by_type).sort();
        if (delayTypes.join('\n') !== types.join('\n'))
          diff('stats.label_delays', draft.stats.key, 'the label delays are not of the draft label types', types, delayTypes);
        for (const t of types) {
          const d = stats.label_delays.by_type[t];
          if (d === undefined) continue;
          const labelled = stats.days.reduce((n, day) => n + (day.labels[t]?.labelled ?? 0), 0);
          const counted = d.histogram.reduce((n, c) => n + c, 0) + d.unknown;
          if (d.histogram.length !== LABEL_DELAY_BINS.length || counted !== labelled)
            diff(
              'stats.label_delays',
              draft.stats.key,
              `the label delays of ${t} count ${counted} labels in ${d.histogram.length} bins, not the ${labelled} labelled rows in ${LABEL_DELAY_BINS.length}`,
              labelled,
              counted,
            );
        }
      }
    }
  }
  let link: SupersessionLink | undefined;
  if (manifest.supersession_link) {
    link = await load<SupersessionLink>(
      'supersession_link',
      manifest.supersession_link,
      supersessionLinkKey(prid, manifest.dataset_manifest_id),
      SupersessionLinkSchema,
    );
  } else if (manifest.supersedes !== undefined || manifest.backfill_reason !== undefined) {
    diff('evidence.supersession_link.missing', manifestKey, 'the manifest supersedes others but cites no supersession link');
  }

  // ── the plan's identity and the receipts' binding to it ──────────────────────────────────────
  if (plan) {
    checks.push('plan');
    checkPlanIdentity(plan, expectedKeys.plan, diff);
    if (replayReceipt && labelReceipt && draft) {
      checks.push('receipts');
      checkReceiptBindings(plan, { replayReceipt, labelReceipt, draft }, expectedKeys, diff);
    }
  }
  if (replayReceipt && labelReceipt && draft) {
    checks.push('receipt_arithmetic');
    checkReceiptArithmetic({ replayReceipt, labelReceipt, draft }, expectedKeys, diff);
  }

  // ── the manifest's claims, re-derived as publication derives them ────────────────────────────
  if (plan && replayReceipt && labelReceipt && draft && (link !== undefined || manifest.supersession_link === undefined)) {
    checks.push('claims');
    let statusClass = manifest.status_class;
    try {
      statusClass = statusClassOf(plan, replayReceipt, labelReceipt);
    } catch (error) {
      if (!isOfsError(error)) throw error;
      diff(
        'claim.status_class',
        manifestKey,
        `the receipts do not allow publishing this dataset (${error.code}: ${error.message})`,
        'no publication',
        manifest.status_class,
      );
    }
    const expected = buildManifest(
      plan,
      { replayReceipt, labelReceipt, draft },
      { statusClass, supersedes: link ? link.supersedes : [], backfillReason: link?.backfill_reason },
      manifest.evidence,
      manifest.supersession_link,
      manifest.provenance.run_config_digest,
    );
    compareClaims(expected as unknown as Record<string, unknown>, manifest as unknown as Record<string, unknown>, '', manifestKey, diff);
  }
  for (const target of manifest.supersedes ?? []) {
    checks.push('supersedes');
    const stored = await getBytes(deps.store, target.key, signal);
    if (stored === undefined) diff('supersedes.missing', target.key, 'a superseded manifest no longer exists');
    else if (sha256Hex(stored) !== target.sha256) {
      diff(
        'supersedes.sha256',
        target.key,
        'a superseded manifest no longer hashes to the recorded sha256',
        target.sha256,
        sha256Hex(stored),
      );
    }
  }

  // ── the by-plan index ───────────────────────────────────────────────────────────────────────
  checks.push('index');
  const indexKey = planIndexKey(prid, manifest.plan_id);
  const indexBytes = await getBytes(deps.store, indexKey, signal);
  if (indexBytes === undefined) {
    notes.push(`the by-plan index ${indexKey} is not written (publication was interrupted after the commit point; a retry writes it)`);
  } else {
    const index = parseCanonical(indexBytes);
    if (index.error || schemaProblems(PlanIndexEntrySchema, index.value).length > 0) {
      diff('index.schema', indexKey, 'the by-plan index is not a plan index entry');
    } else {
      if (!index.canonical) diff('index.canonical_form', indexKey, 'the by-plan index is not canonical JSON (edited or re-formatted)');
      const entry = index.value as PlanIndexEntry;
      if (entry.manifest.key !== manifestKey)
        diff('index.manifest.key', indexKey, `the by-plan index names ${entry.manifest.key}`, manifestKey, entry.manifest.key);
      if (entry.manifest.sha256 !== manifestSha256) {
        diff(
          'index.manifest.sha256',
          indexKey,
          'the by-plan index records another sha256 than the manifest bytes have',
          manifestSha256,
          entry.manifest.sha256,
        );
      }
      if (
        entry.plan_id !== manifest.plan_id ||
        entry.platform_run_id !== prid ||
        entry.dataset_manifest_id !== manifest.dataset_manifest_id
      ) {
        diff('index.binding', indexKey, 'the by-plan index belongs to another plan, run or manifest id');
      }
    }
  }
  return result(manifest);
}

/** Checks every part's size, sha256 and row count and the rows digest over all parts, in order. */
export async function verifyParts(
  manifest: DatasetManifest,
  deps: VerifyDatasetDeps,
): Promise<{ rows: number; differences: IntegrityDifference[] }> {
  const format = partFormatOf(manifest);
  const signal = deps.signal ? { signal: deps.signal } : undefined;
  const differences: IntegrityDifference[] = [];
  const digest = createRowsDigestCheck(manifest.rows_digest_recipe);
  const prefix = `${manifest.platform_run_id}/ofs/parts/`;
  let rows = 0;
  let bytesTotal = 0;
  for (const part of manifest.parts) {
    throwIfAborted(deps.signal);
    if (part.key !== `${prefix}${part.sha256}.${format}`) {
      differences.push({
        check: 'part.key',
        key: part.key,
        message: 'the part is not at its content address',
        expected: `${prefix}${part.sha256}.${format}`,
      });
    }
    const bytes = await getBytes(deps.store, part.key, signal);
    if (bytes === undefined) {
      differences.push({ check: 'part.missing', key: part.key, message: 'the part is missing' });
      continue;
    }
    bytesTotal += bytes.byteLength;
    // Parquet parts are decoded and their rows re-encoded canonically: the rows digest covers rows, not files.
    let decoded: PartLines;
    try {
      decoded = await partLines(bytes, format, manifest.columns, part.key);
    } catch (error) {
      if (!isOfsError(error, 'DATASET_INTEGRITY_VIOLATION')) throw error;
      differences.push({ check: 'part.decode', key: part.key, message: error.message });
      continue;
    }
    try {
      digest.part(part).update(decoded.lines);
    } catch (error) {
      if (!isOfsError(error, 'DATASET_INTEGRITY_VIOLATION')) throw error;
      differences.push({ check: 'part.partition', key: part.key, message: error.message });
    }
    if (bytes.byteLength !== part.bytes) {
      differences.push({
        check: 'part.bytes',
        key: part.key,
        message: `the part has ${bytes.byteLength} bytes, the manifest says ${part.bytes}`,
        expected: part.bytes,
        actual: bytes.byteLength,
      });
    }
    const actual = sha256Hex(bytes);
    if (actual !== part.sha256) {
      differences.push({
        check: 'part.sha256',
        key: part.key,
        message: `the part hashes to ${actual}, the manifest says ${part.sha256}`,
        expected: part.sha256,
        actual,
      });
    }
    let lines = 0;
    const text = decoded.lines;
    for (let i = 0; i < text.byteLength; i++) if (text[i] === 0x0a) lines++;
    if (lines !== part.rows || (text.byteLength > 0 && text[text.byteLength - 1] !== 0x0a)) {
      differences.push({
        check: 'part.rows',
        key: part.key,
        message: `the part does not hold ${part.rows} newline-terminated rows`,
        expected: part.rows,
        actual: lines,
      });
    }
    rows += lines;
  }
  const key = datasetManifestKey(manifest.platform_run_id, manifest.dataset_manifest_id);
  if (rows !== manifest.rows_total) {
    differences.push({
      check: 'rows_total',
      key,
      message: `the parts hold ${rows} rows, the manifest says ${manifest.rows_total}`,
      expected: manifest.rows_total,
      actual: rows,
    });
  }
  if (bytesTotal !== manifest.bytes_total) {
    differences.push({
      check: 'bytes_total',
      key,
      message: `the parts hold ${bytesTotal} bytes, the manifest says ${manifest.bytes_total}`,
      expected: manifest.bytes_total,
      actual: bytesTotal,
    });
  }
  const rowsDigest = digest.digestHex();
  if (rowsDigest !== manifest.rows_digest) {
    differences.push({
      check: 'rows_digest',
      key,
      message: `the rows hash to ${rowsDigest}, the manifest says ${manifest.rows_digest}`,
      expected: manifest.rows_digest,
      actual: rowsDigest,
    });
  }
  return { rows, differences };
}

type Diff = (check: string, key: string, message: string, expected?: unknown, actual?: unknown) => void;

function checkPlanIdentity(plan: BuildPlan, key: string, diff: Diff): void {
  const id = safe(() =>
    planId({
      dataset_fingerprint: plan.dataset_fingerprint,
      intent_kind: plan.intent_kind,
      non_training_allowed: plan.non_training_allowed,
      feature_profile_digest: plan.feature_profile.digest,
      run_facts_digest: plan.run_facts.digest,
      policy_digest: plan.policy.digest,
      parity_anchor_digest: plan.parity_anchor?.digest ?? null,
    }),
  );
  if (id !== plan.plan_id) diff('plan.plan_id', key, 'the plan id is not derived from the plan’s pins', id, plan.plan_id);
  const dm = safe(() => datasetManifestId(plan.dataset_fingerprint));
  if (dm !== plan.dataset_manifest_id)
    diff('plan.dataset_manifest_id', key, 'the plan’s manifest id is not derived from its fingerprint', dm, plan.dataset_manifest_id);
  const basis = safe(() => basisHash(plan.replay_basis));
  if (basis !== plan.basis_hash)
    diff('plan.basis_hash', key, 'the plan’s basis_hash is not the hash of its replay basis', basis, plan.basis_hash);
  const training = plan.intent_kind === 'dataset_build' && !plan.non_training_allowed ? 'TRAINING' : 'NON_TRAINING';
  if (plan.training_posture !== training) {
    diff(
      'plan.training_posture',
      key,
      `a ${plan.intent_kind} plan with non_training_allowed ${plan.non_training_allowed} is ${training}`,
      training,
      plan.training_posture,
    );
  }
}

function checkReceiptBindings(
  plan: BuildPlan,
  inputs: { replayReceipt: ReplayReceipt; labelReceipt: LabelReceipt; draft: DraftReceipt },
  keys: { replay_receipt: string; label_receipt: string; draft_receipt: string },
  diff: Diff,
): void {
  const { replayReceipt: replay, labelReceipt: labels, draft } = inputs;
  const same = (check: string, key: string, what: string, expected: unknown, actual: unknown) => {
    if (canonicalJson(expected ?? null) !== canonicalJson(actual ?? null))
      diff(check, key, `${what} differs from the plan's`, expected, actual);
  };
  for (const [name, receipt, key] of [
    ['replay_receipt', replay, keys.replay_receipt],
    ['label_receipt', labels, keys.label_receipt],
    ['draft_receipt', draft, keys.draft_receipt],
  ] as const) {
    same(`${name}.plan_id`, key, `the ${name}'s plan_id`, plan.plan_id, receipt.plan_id);
    same(`${name}.platform_run_id`, key, `the ${name}'s platform_run_id`, plan.platform_run_id, receipt.platform_run_id);
    same(`${name}.training_posture`, key, `the ${name}'s training_posture`, plan.training_posture, receipt.training_posture);
  }
  same('replay_receipt.basis_hash', keys.replay_receipt, "the replay receipt's basis_hash", plan.basis_hash, replay.basis_hash);
  same('draft_receipt.basis_hash', keys.draft_receipt, "the draft's basis_hash", plan.basis_hash, draft.basis_hash);
  same(
    'draft_receipt.dataset_manifest_id',
    keys.draft_receipt,
    "the draft's dataset_manifest_id",
    plan.dataset_manifest_id,
    draft.dataset_manifest_id,
  );
  same('draft_receipt.feature_profile', keys.draft_receipt, "the draft's feature profile", plan.feature_profile, draft.feature_profile);
  same('draft_receipt.policy', keys.draft_receipt, "the draft's policy", plan.policy, draft.policy);
  if (plan.coverage_policy !== undefined) {
    const cp = plan.coverage_policy;
    same('label_receipt.label_types', keys.label_receipt, "the label receipt's label types", cp.label_types, labels.label_types);
    same(
      'label_receipt.policy',
      keys.label_receipt,
      "the label receipt's coverage thresholds",
      { min_coverage_by_label_type: cp.min_coverage_by_label_type, max_conflict_ratio: cp.max_conflict_ratio },
      { min_coverage_by_label_type: labels.policy.min_coverage_by_label_type, max_conflict_ratio: labels.policy.max_conflict_ratio },
    );
  }
  const lb = plan.label_basis;
  same('label_receipt.label_asof_utc', keys.label_receipt, "the label receipt's cutoff", lb.label_asof_instant, labels.label_asof_utc);
  same(
    'label_receipt.resolution_rule',
    keys.label_receipt,
    "the label receipt's resolution rule",
    lb.resolution_rule,
    labels.resolution_rule,
  );
  same('label_receipt.posture', keys.label_receipt, "the label receipt's posture", lb.posture, labels.posture);
  same(
    'label_receipt.maturity_days',
    keys.label_receipt,
    "the label receipt's maturity_days",
    lb.maturity_days ?? null,
    labels.maturity_days,
  );
  same(
    'label_receipt.policy.revision',
    keys.label_receipt,
    "the label receipt's policy revision",
    plan.policy.revision,
    labels.policy.revision,
  );
  if (canonicalJson(labels.label_types) !== canonicalJson(draft.label_types)) {
    diff(
      'label_receipt.label_types',
      keys.label_receipt,
      'the label receipt and the draft name different label types',
      draft.label_types,
      labels.label_types,
    );
  }
  const sliceOf = (s: { topic: string; partition: number; offset_kind: string; start_offset: string; end_offset: string }) =>
    `${s.topic}/${s.partition}/${s.offset_kind}/${s.start_offset}..${s.end_offset}`;
  const basis = plan.replay_basis.map(sliceOf);
  same('replay_receipt.slices', keys.replay_receipt, "the replay receipt's slices", basis, replay.slices.map(sliceOf));
  same('draft_receipt.slices', keys.draft_receipt, "the draft's slices", basis, draft.slices.map(sliceOf));
  const n = Math.min(replay.slices.length, draft.slices.length);
  for (let i = 0; i < n; i++) {
    const r = replay.slices[i]!;
    const d = draft.slices[i]!;
    if (r.counts.records !== d.records) {
      diff(
        'draft_receipt.slice_records',
        keys.draft_receipt,
        `slice ${sliceOf(r)}: the replay served ${r.counts.records} records, the draft consumed ${d.records}`,
        r.counts.records,
        d.records,
      );
    }
  }
  const partRows = draft.parts.reduce((s, p) => s + p.rows, 0);
  const partBytes = draft.parts.reduce((s, p) => s + p.bytes, 0);
  const sliceRows = draft.slices.reduce((s, x) => s + x.rows, 0);
  if (partRows !== draft.rows_total || sliceRows !== draft.rows_total || partBytes !== draft.bytes_total) {
    diff(
      'draft_receipt.totals',
      keys.draft_receipt,
      `the draft's parts (${partRows} rows, ${partBytes} bytes) and slices (${sliceRows} rows) disagree with its totals`,
    );
  }
}

/** Replay status ranks, worst highest (as the replay stage derives a receipt's status from its slices). */
const REPLAY_STATUS_RANK: Readonly<Record<ReplayReceipt['status'], number>> = {
  UNSATISFIABLE: 3,
  INCOMPLETE: 2,
  UNCHECKABLE: 1,
  COMPLETE: 0,
};

/**
 * What each receipt derives from its own counts, re-derived: replay totals and status from its
 * slices, draft totals from its slices, label coverage, conflict ratios, reasons and status from
 * its per-type counts and policy. Catches a receipt edited together with the digests that cite it.
 */
function checkReceiptArithmetic(
  inputs: { replayReceipt: ReplayReceipt; labelReceipt: LabelReceipt; draft: DraftReceipt },
  keys: { replay_receipt: string; label_receipt: string; draft_receipt: string },
  diff: Diff,
): void {
  const { replayReceipt: replay, labelReceipt: labels, draft } = inputs;
  const differs = (check: string, key: string, what: string, expected: unknown, actual: unknown) => {
    if (canonicalJson(expected) !== canonicalJson(actual))
      diff(check, key, `${what} is not what the receipt's own counts give`, expected, actual);
  };
  const replayTotals = Object.fromEntries(Object.keys(replay.totals).map((k) => [k, 0])) as Record<string, number>;
  let status: ReplayReceipt['status'] = 'COMPLETE';
  for (const slice of replay.slices) {
    for (const k of Object.keys(replayTotals)) replayTotals[k]! += (slice.counts as Record<string, number>)[k] ?? 0;
    if (REPLAY_STATUS_RANK[slice.status] > REPLAY_STATUS_RANK[status]) status = slice.status;
  }
  differs('replay_receipt.totals', keys.replay_receipt, "the replay receipt's totals", replayTotals, replay.totals);
  differs('replay_receipt.status', keys.replay_receipt, "the replay receipt's status", status, replay.status);

  const draftTotals = Object.fromEntries(Object.keys(draft.totals).map((k) => [k, 0])) as Record<string, number>;
  for (const slice of draft.slices)
    for (const k of Object.keys(draftTotals)) draftTotals[k]! += (slice as unknown as Record<string, number>)[k] ?? 0;
  differs('draft_receipt.totals', keys.draft_receipt, "the draft's totals", draftTotals, draft.totals);

  const mature = labels.counts.mature;
  const coverageByType: Record<string, number> = {};
  const conflictByType: Record<string, number> = {};
  let coverage = 1;
  let conflictRatio = 0;
  let conflicts = 0;
  for (const type of labels.label_types) {
    const counts = labels.counts.by_type[type];
    if (counts === undefined) {
      diff('label_receipt.counts', keys.label_receipt, `the label receipt has no counts for label type ${type}`);
      return;
    }
    const { coverage: typeCoverage, conflict: typeConflict } = typeRatios(counts, mature);
    coverageByType[type] = typeCoverage;
    conflictByType[type] = typeConflict;
    coverage = Math.min(coverage, typeCoverage);
    conflictRatio = Math.max(conflictRatio, typeConflict);
    conflicts += counts.conflict;
  }
  // The receipt's own thresholds (bound to the plan's coverage policy by checkReceiptBindings).
  const thresholds = labels.policy.min_coverage_by_label_type;
  const reasons = coverageGateReasons(
    {
      label_types: labels.label_types,
      min_coverage_by_label_type: thresholds ?? Object.fromEntries(labels.label_types.map((t) => [t, labels.policy.min_label_coverage])),
      max_conflict_ratio: labels.policy.max_conflict_ratio,
    },
    coverageByType,
    conflictByType,
  );
  const key = keys.label_receipt;
  differs(
    'label_receipt.coverage',
    key,
    "the label receipt's coverage",
    { coverage, coverage_by_type: coverageByType },
    { coverage: labels.coverage, coverage_by_type: labels.coverage_by_type },
  );
  differs(
    'label_receipt.conflict_ratio',
    key,
    "the label receipt's conflict ratio",
    { conflict_ratio: conflictRatio, conflict_ratio_by_type: conflictByType, conflicts },
    { conflict_ratio: labels.conflict_ratio, conflict_ratio_by_type: labels.conflict_ratio_by_type, conflicts: labels.counts.conflicts },
  );
  differs('label_receipt.immature', key, "the label receipt's immature count", labels.counts.subjects - mature, labels.counts.immature);
  differs(
    'label_receipt.status',
    key,
    "the label receipt's status and reasons",
    { status: reasons.length === 0 ? 'READY_FOR_TRAINING' : 'NOT_READY_FOR_TRAINING', reasons },
    { status: labels.status, reasons: labels.reasons },
  );
}

/** Reports every leaf where the manifest differs from the one re-derived from its evidence. */
function compareClaims(expected: Record<string, unknown>, actual: Record<string, unknown>, path: string, key: string, diff: Diff): void {
  const names = [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort();
  for (const name of names) {
    const e = expected[name];
    const a = actual[name];
    const at = path === '' ? name : `${path}.${name}`;
    if (isPlainObject(e) && isPlainObject(a)) {
      compareClaims(e, a, at, key, diff);
      continue;
    }
    if (canonicalJson(e ?? null) !== canonicalJson(a ?? null) || (e === undefined) !== (a === undefined)) {
      diff(`claim.${at}`, key, `the manifest's ${at} differs from what its evidence gives`, e ?? null, a ?? null);
    }
  }
}

async function checkLedger(
  ledger: VerifyLedger,
  runs: readonly RunRecord[],
  manifest: DatasetManifest,
  manifestKey: string,
  manifestSha256: string,
  diff: Diff,
  notes: string[],
  signal: AbortSignal | undefined,
): Promise<LedgerEvidence['runs']> {
  if (runs.length === 0) {
    notes.push('no DONE run in the ledger names this manifest; its recorded digest cannot be checked');
    return [];
  }
  let recorded = 0;
  const summaries: LedgerEvidence['runs'][number][] = [];
  for (const run of runs) {
    const events = await ledger.events(run.run_key, signal ? { signal } : {});
    summaries.push(ledgerRunSummary(run, events));
    const recordedSha = recordedManifestSha256(run, events);
    if (recordedSha !== null) {
      recorded++;
      if (recordedSha !== manifestSha256) {
        diff(
          'ledger.manifest_sha256',
          manifestKey,
          `run ${run.run_key} recorded manifest sha256 ${recordedSha}; the stored manifest hashes to ${manifestSha256}`,
          recordedSha,
          manifestSha256,
        );
      }
    }
    if (run.plan_id !== null && run.plan_id !== manifest.plan_id) {
      diff('ledger.plan_id', manifestKey, `run ${run.run_key} recorded plan ${run.plan_id}`, run.plan_id, manifest.plan_id);
    }
    if (run.status_class !== null && run.status_class !== manifest.status_class) {
      diff(
        'ledger.status_class',
        manifestKey,
        `run ${run.run_key} recorded status class ${run.status_class}`,
        run.status_class,
        manifest.status_class,
      );
    }
    const runConfig = manifest.provenance.run_config_digest;
    if (run.outcome === 'NEW' && run.run_config_digest !== null && runConfig !== undefined && run.run_config_digest !== runConfig) {
      diff(
        'ledger.run_config_digest',
        manifestKey,
        `run ${run.run_key} was built under run-config digest ${run.run_config_digest}`,
        run.run_config_digest,
        runConfig,
      );
    }
    const digests = artifactDigestsIn(events);
    if (digests) {
      for (const [name, field] of [
        ['replay_receipt', 'replayReceipt'],
        ['label_receipt', 'labelReceipt'],
        ['draft_receipt', 'draft'],
      ] as const) {
        const ref = manifest.evidence[name];
        if (digests[field] !== ref.sha256) {
          diff(
            `ledger.artifact_digests.${name}`,
            ref.key,
            `run ${run.run_key} recorded the ${name} with sha256 ${digests[field]}`,
            digests[field],
            ref.sha256,
          );
        }
      }
    }
  }
  if (recorded === 0) notes.push('the runs that published this manifest completed before manifest digests were recorded');
  return summaries;
}

/**
 * The manifest sha256 a run recorded: `manifest_sha256` on the run (recorded by `complete()`),
 * else the `manifest_sha256` of its `publish` / `preflight` stage event; `null` for runs completed
 * before either was recorded.
 */
export function recordedManifestSha256(run: RunRecord, events: readonly RunEvent[] = []): string | null {
  if (typeof run.manifest_sha256 === 'string') return run.manifest_sha256;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const sha = e.details.manifest_sha256;
    if (e.type === 'STAGE' && (e.details.stage === 'publish' || e.details.stage === 'preflight') && typeof sha === 'string') return sha;
  }
  return null;
}

/** The artifact digests a run recorded after reconstruction (its `STAGE` event of stage `reconstruct`), if any. */
export async function recordedArtifactDigests(
  ledger: Pick<LedgerStore, 'events'>,
  runKey: string,
  signal?: AbortSignal,
): Promise<{ replayReceipt: string; labelReceipt: string; draft: string } | undefined> {
  return artifactDigestsIn(await ledger.events(runKey, signal ? { signal } : {}));
}

function artifactDigestsIn(events: readonly RunEvent[]): { replayReceipt: string; labelReceipt: string; draft: string } | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const d = e.details.artifact_digests as Record<string, unknown> | undefined;
    if (e.type === 'STAGE' && e.details.stage === 'reconstruct' && d && typeof d === 'object') {
      if (typeof d.replayReceipt === 'string' && typeof d.labelReceipt === 'string' && typeof d.draft === 'string') {
        return { replayReceipt: d.replayReceipt, labelReceipt: d.labelReceipt, draft: d.draft };
      }
    }
  }
  return undefined;
}

/** The `DONE` runs of a platform run that name `manifestKey`, in run-key order. */
export async function publishingRuns(
  ledger: Pick<LedgerStore, 'list'>,
  platformRunId: string,
  manifestKey: string,
  signal?: AbortSignal,
): Promise<RunRecord[]> {
  const out: RunRecord[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await ledger.list(
      { platform_run_id: platformRunId, states: ['DONE'], limit: 1_000, ...(after === undefined ? {} : { after }) },
      signal ? { signal } : {},
    );
    for (const run of page) if (run.manifest_key === manifestKey) out.push(run);
    if (page.length < 1_000) return out;
    after = page[page.length - 1]!.run_key;
  }
}

function ledgerRunSummary(run: RunRecord, events: readonly RunEvent[]): LedgerEvidence['runs'][number] {
  return { run_key: run.run_key, outcome: run.outcome, manifest_sha256: recordedManifestSha256(run, events) };
}

function parseCanonical(bytes: Uint8Array): { value: unknown; canonical: boolean; error?: string } {
  let text: string;
  let value: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    value = JSON.parse(text);
  } catch (error) {
    return { value: undefined, canonical: false, error: error instanceof Error ? error.message : String(error) };
  }
  let canonical = false;
  try {
    canonical = canonicalJson(value) === text;
  } catch {
    canonical = false;
  }
  return { value, canonical };
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

async function getBytes(store: ObjectStore, key: string, signal: AbortOptions | undefined): Promise<Uint8Array | undefined> {
  try {
    return await store.get(key, signal);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
}
