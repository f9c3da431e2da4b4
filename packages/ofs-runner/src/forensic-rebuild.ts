import {
  type AbortOptions,
  type BuildPlan,
  type DatasetManifest,
  type FeatureProfiles,
  isOfsError,
  type LabelStore,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  type ReplayReceipt,
  type ReplaySource,
  type ResolvedFeatureProfile,
  toOfsError,
} from '@ofs/contracts';
import { canonicalJson, digestOf, sha256Hex } from '@ofs/ids';
import { createLabelResolver } from '@ofs/labels';
import { partFormatOf, partLines, readManifest, reconstruct } from '@ofs/publish';
import { resolveReplay } from '@ofs/replay';

/** What a forensic rebuild reads (the corridor's ports) and where it writes (`scratch` only). */
export interface ForensicDeps {
  /** The store holding the manifest and its evidence; only read. */
  readonly store: ObjectStore;
  /** Where the rebuild writes its receipts, draft and parts: never the published store. */
  readonly scratch: ObjectStore;
  readonly eb: ReplaySource;
  readonly archive: ReplaySource;
  readonly labels: LabelStore;
  readonly profiles: FeatureProfiles;
  readonly policy: OfsPolicy;
}

/** Where the rebuilt rows first differ from the published ones. */
export interface FirstDifference {
  /** Index of the first differing part (0-based), in manifest order. */
  readonly part_index: number;
  readonly original_part: string | null;
  readonly rebuilt_part: string | null;
  /** Row within that part (0-based) and within the dataset. */
  readonly row_in_part: number;
  readonly row_index: number;
  /** `event_id` of the differing row (original side, else rebuilt). */
  readonly event_id: string | null;
  /** The two rows (canonical JSON, cut at 1,000 characters), `null` where one side has none. */
  readonly original_row: string | null;
  readonly rebuilt_row: string | null;
}

/** Which pinned input reads differently now. */
export interface InputChanges {
  readonly replay: {
    readonly changed: boolean;
    readonly original_evidence_digest: string;
    readonly rebuilt_evidence_digest: string;
    /** Slices whose receipt differs (`topic/partition`), in basis order. */
    readonly slices: string[];
  };
  readonly labels: { readonly changed: boolean; readonly original_state_marker: string; readonly rebuilt_state_marker: string };
  readonly profile: { readonly changed: boolean; readonly digest: string };
}

/** The answer of `forensicRebuild`. */
export interface ForensicResult {
  readonly verdict: 'IDENTICAL' | 'DIVERGED';
  readonly manifest_key: string;
  readonly dataset_manifest_id: string;
  readonly plan_id: string;
  readonly original: { readonly rows_total: number; readonly rows_digest: string; readonly parts: number };
  readonly rebuilt: { readonly rows_total: number; readonly rows_digest: string; readonly parts: number; readonly draft_key: string };
  readonly first_difference: FirstDifference | null;
  readonly inputs: InputChanges;
}

const MAX_ROW_TEXT = 1_000;

/**
 * A forensic rebuild (docs/decisions.md D57): re-runs a published dataset's **own stored plan**
 * (same posture, basis, label cutoff, profile digest, policy) into `deps.scratch`, never writing
 * the published store, and answers `IDENTICAL` (same rows digest and parts) or `DIVERGED` with
 * the first differing part and row and which input reads differently now (the replay evidence
 * digest and the slices behind it, the label store's state marker as of the cutoff). A pin that
 * can no longer be resolved — the plan's bytes, the profile version or its digest, the policy,
 * the label store as of its cutoff — is `REBUILD_PIN_UNRESOLVED` naming it.
 */
export async function forensicRebuild(manifestKey: string, deps: ForensicDeps, options: AbortOptions = {}): Promise<ForensicResult> {
  const manifest = await readManifest(manifestKey, { store: deps.store, ...(options.signal ? { signal: options.signal } : {}) });
  const plan = (await readEvidence(deps.store, manifest.evidence.plan, 'plan', options)) as BuildPlan;
  const originalReplay = (await readEvidence(deps.store, manifest.evidence.replay_receipt, 'replay receipt', options)) as ReplayReceipt;
  const originalLabels = (await readEvidence(deps.store, manifest.evidence.label_receipt, 'label receipt', options)) as {
    store_state_marker: string;
  };
  const profile = await resolvePinnedProfile(plan, deps.profiles, options);
  if (deps.policy.revision !== plan.policy.revision || digestOf(deps.policy) !== plan.policy.digest) {
    throw unresolved(
      'policy',
      `the corridor's policy ${deps.policy.revision} (${digestOf(deps.policy)}) is not the pinned ${plan.policy.revision} (${plan.policy.digest})`,
    );
  }
  let marker: string;
  try {
    marker = await deps.labels.stateMarker({
      platform_run_id: plan.platform_run_id,
      observed_at_or_before: plan.label_basis.label_asof_utc,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    throw unresolved('label_store', `the label store cannot be read as of ${plan.label_basis.label_asof_utc}`, error);
  }

  const replay = resolveReplay(plan, { eb: deps.eb, archive: deps.archive, policy: deps.policy, store: deps.scratch }, options);
  const labels = createLabelResolver(plan, { store: deps.labels, policy: deps.policy, artifacts: deps.scratch });
  let drafted: Awaited<ReturnType<typeof reconstruct>>;
  try {
    drafted = await reconstruct(plan, replay.records, { labels, profile, store: deps.scratch, policy: deps.policy }, options);
  } finally {
    replay.receipt.catch(() => undefined);
  }
  const rebuiltReplay = await replay.receipt;
  const rebuiltMarker = (drafted.labelReceipt as { store_state_marker?: string } | undefined)?.store_state_marker ?? marker;
  const { draft } = drafted;

  const identical =
    draft.rows_digest === manifest.rows_digest &&
    draft.rows_total === manifest.rows_total &&
    canonicalJson(draft.parts.map((p) => p.sha256)) === canonicalJson(manifest.parts.map((p) => p.sha256));
  const slices: string[] = [];
  originalReplay.slices.forEach((s, i) => {
    if (canonicalJson(s) !== canonicalJson(rebuiltReplay.slices[i] ?? null)) slices.push(`${s.topic}/${s.partition}`);
  });
  return {
    verdict: identical ? 'IDENTICAL' : 'DIVERGED',
    manifest_key: manifestKey,
    dataset_manifest_id: manifest.dataset_manifest_id,
    plan_id: plan.plan_id,
    original: { rows_total: manifest.rows_total, rows_digest: manifest.rows_digest, parts: manifest.parts.length },
    rebuilt: { rows_total: draft.rows_total, rows_digest: draft.rows_digest, parts: draft.parts.length, draft_key: drafted.draftKey },
    first_difference: identical ? null : await firstDifference(manifest, draft.parts, deps, options),
    inputs: {
      replay: {
        changed: originalReplay.evidence_digest !== rebuiltReplay.evidence_digest || slices.length > 0,
        original_evidence_digest: originalReplay.evidence_digest,
        rebuilt_evidence_digest: rebuiltReplay.evidence_digest,
        slices,
      },
      labels: {
        changed: originalLabels.store_state_marker !== rebuiltMarker,
        original_state_marker: originalLabels.store_state_marker,
        rebuilt_state_marker: rebuiltMarker,
      },
      profile: { changed: false, digest: profile.digest },
    },
  };
}

/** The first part whose bytes differ, and the first differing line (row) inside it. */
async function firstDifference(
  manifest: DatasetManifest,
  rebuiltParts: readonly { key: string; sha256: string; rows: number }[],
  deps: ForensicDeps,
  options: AbortOptions,
): Promise<FirstDifference> {
  let rowBase = 0;
  const n = Math.max(manifest.parts.length, rebuiltParts.length);
  for (let i = 0; i < n; i++) {
    const original = manifest.parts[i];
    const rebuilt = rebuiltParts[i];
    if (original && rebuilt && original.sha256 === rebuilt.sha256) {
      rowBase += original.rows;
      continue;
    }
    // Parquet parts compare by their canonical row lines (the rows digest's lines).
    const format = partFormatOf(manifest);
    const a = original ? await lines(await deps.store.get(original.key, options), format, manifest, original.key) : [];
    const b = rebuilt ? await lines(await deps.scratch.get(rebuilt.key, options), format, manifest, rebuilt.key) : [];
    let j = 0;
    while (j < a.length && j < b.length && a[j] === b[j]) j++;
    const row = a[j] ?? b[j];
    return {
      part_index: i,
      original_part: original?.key ?? null,
      rebuilt_part: rebuilt?.key ?? null,
      row_in_part: j,
      row_index: rowBase + j,
      event_id: row === undefined ? null : eventIdOf(row),
      original_row: a[j]?.slice(0, MAX_ROW_TEXT) ?? null,
      rebuilt_row: b[j]?.slice(0, MAX_ROW_TEXT) ?? null,
    };
  }
  // Same parts, other digest or count: the difference is in the totals.
  return {
    part_index: n,
    original_part: null,
    rebuilt_part: null,
    row_in_part: 0,
    row_index: rowBase,
    event_id: null,
    original_row: null,
    rebuilt_row: null,
  };
}

async function lines(
  bytes: Uint8Array | undefined,
  format: 'jsonl' | 'parquet',
  manifest: DatasetManifest,
  key: string,
): Promise<string[]> {
  if (bytes === undefined) return [];
  const text = new TextDecoder().decode((await partLines(bytes, format, manifest.columns, key)).lines);
  return text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);
}

function eventIdOf(row: string): string | null {
  try {
    const id = (JSON.parse(row) as { event_id?: unknown }).event_id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/** Reads an evidence artifact the manifest cites and checks its sha256. */
async function readEvidence(
  store: ObjectStore,
  ref: { key: string; sha256: string },
  what: string,
  options: AbortOptions,
): Promise<unknown> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(ref.key, options);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading the ${what} ${ref.key}`);
  }
  if (bytes === undefined) throw unresolved(what.replace(/ /g, '_'), `the ${what} ${ref.key} the manifest cites is gone`);
  if (sha256Hex(bytes) !== ref.sha256) {
    throw unresolved(what.replace(/ /g, '_'), `the ${what} ${ref.key} no longer has the sha256 the manifest cites (${ref.sha256})`);
  }
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
}

async function resolvePinnedProfile(plan: BuildPlan, profiles: FeatureProfiles, options: AbortOptions): Promise<ResolvedFeatureProfile> {
  const { feature_set_id: id, feature_set_version: version, digest } = plan.feature_profile;
  let profile: ResolvedFeatureProfile;
  try {
    profile = await profiles.resolve(id, version, options);
  } catch (error) {
    if (isOfsError(error) && error.retryable) throw error;
    throw unresolved('feature_profile', `feature profile ${id}@${version} can no longer be resolved`, error);
  }
  if (profile.digest !== digest) {
    throw unresolved('feature_profile', `feature profile ${id}@${version} now has digest ${profile.digest}, the plan pins ${digest}`);
  }
  return profile;
}

function unresolved(pin: string, message: string, cause?: unknown): OfsError {
  return new OfsError('REBUILD_PIN_UNRESOLVED', {
    message: `cannot rebuild: ${message}`,
    details: { pin },
    ...(cause === undefined ? {} : { cause }),
  });
}
