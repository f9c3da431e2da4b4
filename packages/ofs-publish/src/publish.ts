import {
  type AbortOptions,
  type ArtifactRef,
  type BuildPlan,
  BuildPlanSchema,
  DATASET_MANIFEST_V1_SCHEMA_VERSION,
  DATASET_MANIFEST_V2_SCHEMA_VERSION,
  type DatasetManifest,
  DatasetManifestSchema,
  type DatasetManifestV1,
  type DatasetPart,
  type DraftReceipt,
  DraftReceiptSchema,
  datasetManifestKey,
  draftReceiptKey,
  isOfsError,
  type LabelReceipt,
  LabelReceiptSchema,
  OfsError,
  type ObjectStore,
  PLAN_INDEX_SCHEMA_VERSION,
  type PlanIndexEntry,
  planIndexKey,
  type ReplayReceipt,
  ReplayReceiptSchema,
  replayReceiptKey,
  SUPERSESSION_LINK_SCHEMA_VERSION,
  type StatusClass,
  type SupersessionLink,
  supersessionLinkKey,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { canonicalJson, createSha256, type Sha256, sha256Hex, utf8, writeOnceJson } from '@ofs/ids';
import type { DraftResult } from './reconstruct.js';
import { partFormatOf, partLines } from './part-rows.js';
import { createRowsDigestCheck, type RowsDigestCheck } from './rows-digest.js';
import { assertSchema, schemaProblems } from './schema-check.js';
import { labelReceiptKey, planKey } from './keys.js';

/** The stage artifacts a publication commits. */
export interface PublishInputs {
  replayReceipt: ReplayReceipt;
  labelReceipt: LabelReceipt;
  /** The draft receipt, or `reconstruct`'s whole result. */
  draft: DraftReceipt | DraftResult;
}

/** Dependencies and backfill options of `publish`. */
export interface PublishDeps {
  store: ObjectStore;
  /** Manifests this dataset supersedes: manifest keys or `dm_…` ids of the same platform run. Needs `backfillReason`. */
  supersedes?: readonly string[];
  /** Why this dataset supersedes others; required with (and only with) `supersedes`. */
  backfillReason?: string;
  /** The runner's run-config digest, recorded in the manifest's provenance. */
  runConfigDigest?: string;
  /**
   * The sha256 the manifest must have (re-creating a lost manifest from a run's recorded digest):
   * a manifest built from these inputs with other bytes is `DATASET_INTEGRITY_VIOLATION`, before
   * any write.
   */
  expectedManifestSha256?: string;
}

/** The outcome of `publish`. */
export interface PublishResult {
  /** `NEW` when this call committed the manifest, `ALREADY_PUBLISHED` when an identical one was there. */
  outcome: 'NEW' | 'ALREADY_PUBLISHED';
  manifestKey: string;
  manifest: DatasetManifest;
  /** sha256 of the manifest's stored (canonical) bytes — what the ledger records at completion. */
  manifestSha256: string;
}

/**
 * Publication (S6), the manifest authority. In order:
 * 1. gates, before any write that references anything (`assertPublishable`): receipts match
 *    their schemas and the plan; the intent kind publishes; replay status and the label gate
 *    for the training posture; the draft's per-slice record counts equal the replay receipt's;
 *    every part exists with its sha256 and the parts hash to the draft's `rows_digest`;
 *    supersession targets exist in this run's scope;
 * 2. the plan, replay, label and draft receipts (write-once; retries converge), then the
 *    supersession link;
 * 3. the manifest with `putIfAbsent` — the single commit point: identical bytes already there
 *    → `ALREADY_PUBLISHED`; different bytes → `MANIFEST_CONFLICT` (never overwritten);
 * 4. the by-plan index.
 * A crash between any two writes leaves no manifest without its parts and receipts; rerunning
 * converges to the same bytes. Store failures surface as retryable `STORE_UNAVAILABLE`.
 */
export async function publish(
  plan: BuildPlan,
  inputs: PublishInputs,
  deps: PublishDeps,
  options: AbortOptions = {},
): Promise<PublishResult> {
  try {
    return await run(plan, inputs, deps, options);
  } catch (error) {
    if (isOfsError(error)) throw error;
    throw new OfsError('INTERNAL_ERROR', {
      message: `publication failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
}

async function run(plan: BuildPlan, inputs: PublishInputs, deps: PublishDeps, options: AbortOptions): Promise<PublishResult> {
  const { store } = deps;
  const signal = options.signal ? { signal: options.signal } : undefined;
  throwIfAborted(options.signal);
  const draft = 'draft' in inputs.draft && 'draftKey' in inputs.draft ? inputs.draft.draft : (inputs.draft as DraftReceipt);
  const { replayReceipt, labelReceipt } = inputs;
  const gate = await assertPublishable(plan, { replayReceipt, labelReceipt, draft }, deps, options);

  // The manifest is a pure function of the gated inputs: every evidence digest is the sha256 of
  // the canonical bytes write-once stores, so it is known before anything is written.
  const prid = plan.platform_run_id;
  const evidence = {
    plan: evidenceRef(planKey(prid, plan.plan_id), plan),
    replay_receipt: evidenceRef(replayReceiptKey(prid, plan.plan_id), replayReceipt),
    label_receipt: evidenceRef(labelReceiptKey(prid, plan.plan_id), labelReceipt),
    draft_receipt: evidenceRef(draftReceiptKey(prid, plan.plan_id), draft),
  };
  let link: SupersessionLink | undefined;
  let linkRef: ArtifactRef | undefined;
  if (gate.supersedes.length > 0) {
    link = {
      schema_version: SUPERSESSION_LINK_SCHEMA_VERSION,
      dataset_manifest_id: plan.dataset_manifest_id,
      platform_run_id: prid,
      plan_id: plan.plan_id,
      supersedes: gate.supersedes,
      backfill_reason: gate.backfillReason as string,
    };
    linkRef = evidenceRef(supersessionLinkKey(prid, plan.dataset_manifest_id), link);
  }
  const manifest = buildManifest(plan, { replayReceipt, labelReceipt, draft }, gate, evidence, linkRef, deps.runConfigDigest);
  assertSchema(DatasetManifestSchema, manifest, 'INTERNAL_ERROR', 'the manifest built for publication');
  const manifestKey = datasetManifestKey(prid, plan.dataset_manifest_id);
  const bytes = utf8(canonicalJson(manifest));
  const manifestSha256 = sha256Hex(bytes);
  if (deps.expectedManifestSha256 !== undefined && deps.expectedManifestSha256 !== manifestSha256) {
    throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
      message: `the manifest re-built from the stored artifacts hashes to ${manifestSha256}, the run recorded ${deps.expectedManifestSha256}; nothing is written`,
      details: {
        manifest_key: manifestKey,
        differences: [
          {
            check: 'ledger.manifest_sha256',
            key: manifestKey,
            message: 'the re-built manifest differs from the one the run recorded',
            expected: deps.expectedManifestSha256,
            actual: manifestSha256,
          },
        ],
      },
    });
  }
  // A different manifest under this id fails before any write (no orphaned link or receipt).
  const existing = await getBytes(store, manifestKey, signal);
  if (existing !== undefined && !equalBytes(existing, bytes)) throw manifestConflict(manifestKey, existing, bytes);

  // 2. Receipts, then the supersession link (write-once: a retry finds identical bytes).
  await writeOnceJson(store, evidence.plan.key, plan, signal);
  await writeOnceJson(store, evidence.replay_receipt.key, replayReceipt, signal);
  await writeOnceJson(store, evidence.label_receipt.key, labelReceipt, signal);
  await writeOnceJson(store, evidence.draft_receipt.key, draft, signal);
  if (link && linkRef) await writeOnceJson(store, linkRef.key, link, signal);

  // 3. The manifest: the commit point.
  throwIfAborted(options.signal);
  let put: Awaited<ReturnType<ObjectStore['putIfAbsent']>>;
  try {
    put = await store.putIfAbsent(manifestKey, bytes, signal);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `writing ${manifestKey}`);
  }
  let outcome: PublishResult['outcome'] = 'NEW';
  if (!put.created) {
    if (!equalBytes(put.existing, bytes)) throw manifestConflict(manifestKey, put.existing, bytes);
    outcome = 'ALREADY_PUBLISHED';
  }

  // 4. The by-plan index, so a later request with this plan converges before any replay.
  const index: PlanIndexEntry = {
    schema_version: PLAN_INDEX_SCHEMA_VERSION,
    plan_id: plan.plan_id,
    platform_run_id: prid,
    dataset_manifest_id: plan.dataset_manifest_id,
    manifest: { key: manifestKey, sha256: manifestSha256 },
  };
  await writeOnceJson(store, planIndexKey(prid, plan.plan_id), index, signal);
  return { outcome, manifestKey, manifest, manifestSha256 };
}

/** What the gates established for the manifest. */
export interface GateResult {
  statusClass: StatusClass;
  /** Superseded manifests, sorted by key. */
  supersedes: ArtifactRef[];
  backfillReason: string | undefined;
}

function gateFailed(gate: string, message: string, details: Record<string, unknown> = {}): OfsError {
  return new OfsError('PUBLISH_GATE_FAILED', { message: `publication gate ${gate}: ${message}`, details: { gate, ...details } });
}

/**
 * Every publication gate, checked before the first referencing write (DESIGN §9.1). Throws
 * the gate's code; returns the status class and the resolved supersession targets.
 */
export async function assertPublishable(
  plan: BuildPlan,
  inputs: { replayReceipt: ReplayReceipt; labelReceipt: LabelReceipt; draft: DraftReceipt },
  deps: PublishDeps,
  options: AbortOptions = {},
): Promise<GateResult> {
  const { replayReceipt, labelReceipt, draft } = inputs;
  const signal = options.signal ? { signal: options.signal } : undefined;
  for (const [name, schema, value] of [
    ['plan', BuildPlanSchema, plan],
    ['replay_receipt', ReplayReceiptSchema, replayReceipt],
    ['label_receipt', LabelReceiptSchema, labelReceipt],
    ['draft_receipt', DraftReceiptSchema, draft],
  ] as const) {
    const problems = schemaProblems(schema, value);
    if (problems.length > 0)
      throw gateFailed('receipt_schema', `the ${name} does not match its schema: ${problems.join('; ')}`, { artifact: name, problems });
  }
  for (const [name, r] of [
    ['replay_receipt', replayReceipt],
    ['label_receipt', labelReceipt],
    ['draft_receipt', draft],
  ] as const) {
    if (r.plan_id !== plan.plan_id || r.platform_run_id !== plan.platform_run_id) {
      throw gateFailed(
        'plan_binding',
        `the ${name} belongs to ${r.platform_run_id}/${r.plan_id}, not ${plan.platform_run_id}/${plan.plan_id}`,
        {
          artifact: name,
        },
      );
    }
  }
  for (const [name, posture] of [
    ['replay_receipt', replayReceipt.training_posture],
    ['label_receipt', labelReceipt.training_posture],
    ['draft_receipt', draft.training_posture],
  ] as const) {
    if (posture !== plan.training_posture) {
      throw gateFailed('plan_binding', `the ${name} was built for a ${posture} plan, this plan is ${plan.training_posture}`, {
        artifact: name,
      });
    }
  }
  if (replayReceipt.basis_hash !== plan.basis_hash || draft.basis_hash !== plan.basis_hash) {
    throw gateFailed('plan_binding', 'a receipt was built for another replay basis', { plan_basis_hash: plan.basis_hash });
  }
  if (draft.dataset_manifest_id !== plan.dataset_manifest_id)
    throw gateFailed('plan_binding', 'the draft names another dataset_manifest_id');
  if (draft.feature_profile.digest !== plan.feature_profile.digest || draft.policy.digest !== plan.policy.digest) {
    throw gateFailed('plan_binding', 'the draft was built with another feature profile or policy than the plan pins');
  }
  if (plan.intent_kind !== 'dataset_build') {
    throw gateFailed('intent_kind', `only dataset_build publishes manifests, not ${plan.intent_kind}`, { intent_kind: plan.intent_kind });
  }
  const statusClass = statusClassOf(plan, replayReceipt, labelReceipt);
  assertCountsMatch(replayReceipt, draft);
  await assertPartsIntact(deps.store, plan, draft, signal);
  const { supersedes, backfillReason } = await resolveSupersession(plan, deps, signal);
  return { statusClass, supersedes, backfillReason };
}

/**
 * The status class per DESIGN §9: COMPLETE replay + ready labels → `COMPLETE_SUCCESS`; a
 * non-training build with an INCOMPLETE replay or NOT_READY labels → `INCOMPLETE_EXPLICIT`;
 * an UNCHECKABLE replay (non-training) → `UNCHECKABLE_EXPLICIT`. UNSATISFIABLE replays and
 * every training gate failure throw (nothing is published).
 */
export function statusClassOf(plan: BuildPlan, replayReceipt: ReplayReceipt, labelReceipt: LabelReceipt): StatusClass {
  const training = plan.training_posture === 'TRAINING';
  const status = replayReceipt.status;
  if (status === 'UNSATISFIABLE') {
    throw new OfsError('REPLAY_UNSATISFIABLE', { message: 'the replay basis is not inside EB and Archive coverage; nothing is published' });
  }
  if (training && status === 'INCOMPLETE') {
    throw new OfsError('REPLAY_INCOMPLETE', { message: 'a training build needs a COMPLETE replay; it was INCOMPLETE' });
  }
  if (training && status === 'UNCHECKABLE') {
    throw new OfsError('REPLAY_UNCHECKABLE', { message: 'a training build needs a COMPLETE replay; it was UNCHECKABLE' });
  }
  const ready = labelReceipt.status === 'READY_FOR_TRAINING';
  if (training && !ready) {
    throw new OfsError('COVERAGE_POLICY_VIOLATION', {
      message: `a training build needs labels READY_FOR_TRAINING: ${labelReceipt.reasons.join(', ') || labelReceipt.status}`,
      details: { reasons: labelReceipt.reasons, coverage: labelReceipt.coverage, conflict_ratio: labelReceipt.conflict_ratio },
    });
  }
  if (status === 'UNCHECKABLE') return 'UNCHECKABLE_EXPLICIT';
  if (status === 'INCOMPLETE' || !ready) return 'INCOMPLETE_EXPLICIT';
  return 'COMPLETE_SUCCESS';
}

/** The draft consumed exactly the records the replay receipt counts, slice by slice (completeness is bound to the rows). */
function assertCountsMatch(replayReceipt: ReplayReceipt, draft: DraftReceipt): void {
  const a = replayReceipt.slices;
  const b = draft.slices;
  if (a.length !== b.length) {
    throw gateFailed('slice_counts', `the replay receipt has ${a.length} slices, the draft ${b.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    const r = a[i] as ReplayReceipt['slices'][number];
    const d = b[i] as DraftReceipt['slices'][number];
    const where = `${r.topic}/${r.partition} ${r.start_offset}..${r.end_offset}`;
    if (
      r.topic !== d.topic ||
      r.partition !== d.partition ||
      r.offset_kind !== d.offset_kind ||
      r.start_offset !== d.start_offset ||
      r.end_offset !== d.end_offset
    ) {
      throw gateFailed('slice_counts', `slice ${i} differs between the replay receipt (${where}) and the draft`, { slice: i });
    }
    if (r.counts.records !== d.records) {
      throw gateFailed('slice_counts', `slice ${where}: the replay served ${r.counts.records} records, the draft consumed ${d.records}`, {
        slice: i,
        replay_records: r.counts.records,
        draft_records: d.records,
      });
    }
  }
  const partRows = draft.parts.reduce((n, p) => n + p.rows, 0);
  const sliceRows = draft.slices.reduce((n, s) => n + s.rows, 0);
  if (partRows !== draft.rows_total || sliceRows !== draft.rows_total) {
    throw gateFailed(
      'draft_consistency',
      `the draft's parts (${partRows} rows) and slices (${sliceRows}) disagree with rows_total ${draft.rows_total}`,
    );
  }
}

/** Every part exists with its sha256 and size, and the parts in order hash to the draft's rows digest. */
async function assertPartsIntact(
  store: ObjectStore,
  plan: BuildPlan,
  draft: DraftReceipt,
  signal: AbortOptions | undefined,
): Promise<void> {
  const rows = createRowsDigestCheck(draft.rows_digest_recipe);
  const prefix = `${plan.platform_run_id}/ofs/parts/`;
  const format = partFormatOf(draft);
  for (const part of draft.parts) {
    if (part.key !== `${prefix}${part.sha256}.${format}`) {
      throw gateFailed('parts', `part ${part.key} is not at its content address`, { part: part.key });
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = await store.get(part.key, signal);
    } catch (error) {
      throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${part.key}`);
    }
    if (bytes === undefined) throw gateFailed('parts', `part ${part.key} does not exist`, { part: part.key });
    if (format === 'jsonl') {
      if (bytes.byteLength !== part.bytes || hashPartAndRows(bytes, partDigest(rows, part)) !== part.sha256) {
        throw gateFailed('parts', `part ${part.key} does not match its size or sha256`, { part: part.key });
      }
      continue;
    }
    if (bytes.byteLength !== part.bytes || sha256Hex(bytes) !== part.sha256) {
      throw gateFailed('parts', `part ${part.key} does not match its size or sha256`, { part: part.key });
    }
    const decoded = await partLines(bytes, format, draft.columns, part.key);
    if (decoded.rows?.length !== part.rows)
      throw gateFailed('parts', `part ${part.key} does not hold ${part.rows} rows`, { part: part.key });
    partDigest(rows, part).update(decoded.lines);
  }
  if (rows.digestHex() !== draft.rows_digest) {
    throw gateFailed('parts', 'the parts do not hash to the draft rows_digest', { rows_digest: draft.rows_digest });
  }
}

/** The rows digest a part's lines go into; a part the recipe refuses fails the parts gate. */
function partDigest(rows: RowsDigestCheck, part: DatasetPart): Sha256 {
  try {
    return rows.part(part);
  } catch (error) {
    throw gateFailed('parts', error instanceof Error ? error.message : String(error), { part: part.key });
  }
}

/** Bytes hashed at a time by both digests of `hashPartAndRows` (fits the L2 cache). */
const HASH_CHUNK = 1 << 18;

/** The part's sha256, feeding the same bytes to the running rows digest in one chunked pass. */
function hashPartAndRows(bytes: Uint8Array, rows: Sha256): string {
  const part = createSha256();
  for (let at = 0; at < bytes.byteLength; at += HASH_CHUNK) {
    const chunk = bytes.subarray(at, Math.min(bytes.byteLength, at + HASH_CHUNK));
    part.update(chunk);
    rows.update(chunk);
  }
  return part.digestHex();
}

const MANIFEST_ID = /^dm_[0-9a-f]{32}$/;

async function resolveSupersession(
  plan: BuildPlan,
  deps: PublishDeps,
  signal: AbortOptions | undefined,
): Promise<{ supersedes: ArtifactRef[]; backfillReason: string | undefined }> {
  const refs = [...new Set((deps.supersedes ?? []).map((r) => r.trim()).filter((r) => r !== ''))];
  const reason = deps.backfillReason?.trim() || undefined;
  if (refs.length === 0 && reason === undefined) return { supersedes: [], backfillReason: undefined };
  const invalid = (message: string, details: Record<string, unknown> = {}) => new OfsError('SUPERSESSION_INVALID', { message, details });
  if (refs.length === 0) throw invalid('a backfill reason needs at least one superseded manifest');
  if (reason === undefined) throw invalid('superseding manifests needs a backfill reason', { supersedes: refs });
  const prefix = `${plan.platform_run_id}/ofs/manifests/`;
  const out: ArtifactRef[] = [];
  for (const ref of refs) {
    const key = MANIFEST_ID.test(ref) ? `${prefix}${ref}.json` : ref;
    if (!key.startsWith(prefix) || !MANIFEST_ID.test(key.slice(prefix.length, -'.json'.length)) || !key.endsWith('.json')) {
      throw invalid(`${ref} is not a manifest of platform run ${plan.platform_run_id}`, { ref });
    }
    if (key === datasetManifestKey(plan.platform_run_id, plan.dataset_manifest_id))
      throw invalid('a manifest cannot supersede itself', { ref });
    let bytes: Uint8Array | undefined;
    try {
      bytes = await deps.store.get(key, signal);
    } catch (error) {
      throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
    }
    if (bytes === undefined) throw invalid(`superseded manifest ${key} does not exist`, { ref });
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      parsed = undefined;
    }
    if (schemaProblems(DatasetManifestSchema, parsed).length > 0) throw invalid(`${key} is not a dataset manifest (v1 or v2)`, { ref });
    out.push({ key, sha256: sha256Hex(bytes) });
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { supersedes: out, backfillReason: reason };
}

/** Key + sha256 of an artifact as `writeOnceJson` stores it (exactly its canonical bytes). */
export function evidenceRef(key: string, value: unknown): ArtifactRef {
  return { key, sha256: sha256Hex(canonicalJson(value)) };
}

async function getBytes(store: ObjectStore, key: string, signal: AbortOptions | undefined): Promise<Uint8Array | undefined> {
  try {
    return await store.get(key, signal);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
}

function manifestConflict(key: string, existing: Uint8Array, bytes: Uint8Array): OfsError {
  return new OfsError('MANIFEST_CONFLICT', {
    message: `${key} already holds a different manifest; it is never overwritten`,
    details: { manifest_key: key, existing_sha256: sha256Hex(existing), new_sha256: sha256Hex(bytes) },
  });
}

/** The manifest `publish` writes for these gated inputs (also what verification re-derives). */
export function buildManifest(
  plan: BuildPlan,
  inputs: { replayReceipt: ReplayReceipt; labelReceipt: LabelReceipt; draft: DraftReceipt },
  gate: GateResult,
  evidence: DatasetManifestV1['evidence'],
  supersessionLink: ArtifactRef | undefined,
  runConfigDigest: string | undefined,
): DatasetManifest {
  const { draft, labelReceipt, replayReceipt } = inputs;
  const lb = plan.label_basis;
  // A draft that records its part format gets a v2 manifest; older drafts keep v1 (D93).
  const version = draft.part_format
    ? { schema_version: DATASET_MANIFEST_V2_SCHEMA_VERSION, part_format: { ...draft.part_format } }
    : { schema_version: DATASET_MANIFEST_V1_SCHEMA_VERSION };
  return {
    ...version,
    dataset_manifest_id: plan.dataset_manifest_id,
    dataset_fingerprint: plan.dataset_fingerprint,
    plan_id: plan.plan_id,
    intent_kind: plan.intent_kind,
    platform_run_id: plan.platform_run_id,
    scenario_run_ids: [...plan.scenario_run_ids],
    replay_basis: plan.replay_basis.map((s) => ({ ...s })),
    basis_hash: plan.basis_hash,
    label_basis: {
      label_asof_utc: lb.label_asof_utc,
      label_asof_instant: lb.label_asof_instant,
      resolution_rule: lb.resolution_rule,
      ...(lb.maturity_days === undefined ? {} : { maturity_days: lb.maturity_days }),
      posture: lb.posture,
      label_store_state_marker: labelReceipt.store_state_marker,
      label_types: [...draft.label_types],
    },
    feature_definition_set: {
      feature_set_id: plan.feature_profile.feature_set_id,
      feature_set_version: plan.feature_profile.feature_set_version,
    },
    feature_profile: { ref: plan.feature_profile.ref, digest: plan.feature_profile.digest },
    join_scope: plan.join_scope,
    filters: plan.filters,
    training_posture: plan.training_posture,
    status_class: gate.statusClass,
    replay_status: replayReceipt.status,
    label_status: labelReceipt.status,
    parts: draft.parts.map((p) => ({ ...p })),
    rows_total: draft.rows_total,
    bytes_total: draft.bytes_total,
    rows_digest_recipe: draft.rows_digest_recipe,
    rows_digest: draft.rows_digest,
    columns: draft.columns.map((c) => ({ ...c })),
    evidence,
    provenance: {
      ofs_code_release_id: plan.ofs_code_release_id,
      config_revision: plan.config_revision,
      policy_revision: plan.policy.revision,
      policy_digest: plan.policy.digest,
      ...(runConfigDigest === undefined ? {} : { run_config_digest: runConfigDigest }),
    },
    ...(gate.supersedes.length > 0 ? { supersedes: gate.supersedes, backfill_reason: gate.backfillReason as string } : {}),
    ...(supersessionLink ? { supersession_link: supersessionLink } : {}),
  } as DatasetManifest;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
