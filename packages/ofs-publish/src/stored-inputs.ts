import {
  type AbortOptions,
  type BuildPlan,
  type DatasetManifest,
  type DraftReceipt,
  DraftReceiptSchema,
  draftReceiptKey,
  type LabelReceipt,
  LabelReceiptSchema,
  OfsError,
  type ObjectStore,
  type PlanIndexEntry,
  PlanIndexEntrySchema,
  planIndexKey,
  type ReplayReceipt,
  ReplayReceiptSchema,
  replayReceiptKey,
  toOfsError,
} from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import type { TSchema } from 'typebox';
import { labelReceiptKey } from './keys.js';
import { readManifest } from './read-dataset.js';
import type { PublishInputs } from './publish.js';
import { schemaProblems } from './schema-check.js';

/** Expected sha256 of the stored artifacts (as a ledger recorded them), checked by `loadPublishInputs`. */
export interface ExpectedDigests {
  replayReceipt?: string;
  labelReceipt?: string;
  draft?: string;
}

/** Stage artifacts reloaded from the store, with the sha256 of their stored bytes. */
export interface StoredPublishInputs extends PublishInputs {
  replayReceipt: ReplayReceipt;
  labelReceipt: LabelReceipt;
  draft: DraftReceipt;
  digests: { replayReceipt: string; labelReceipt: string; draft: string };
}

async function loadRecord<T>(
  store: ObjectStore,
  key: string,
  schema: TSchema,
  expected: string | undefined,
  options: AbortOptions,
): Promise<{ value: T; sha256: string }> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, options.signal ? { signal: options.signal } : undefined);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
  if (bytes === undefined) throw new OfsError('REF_NOT_FOUND', { message: `${key} does not exist`, details: { key } });
  const sha256 = sha256Hex(bytes);
  if (expected !== undefined && expected !== sha256) {
    throw new OfsError('ARTIFACT_CORRUPT', {
      message: `${key} has sha256 ${sha256}, expected ${expected}`,
      details: { key, sha256, expected },
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new OfsError('ARTIFACT_CORRUPT', { message: `${key} is not valid JSON`, details: { key }, cause: error });
  }
  const problems = schemaProblems(schema, value);
  if (problems.length > 0)
    throw new OfsError('ARTIFACT_CORRUPT', {
      message: `${key} does not match its schema: ${problems.join('; ')}`,
      details: { key, problems },
    });
  return { value: value as T, sha256 };
}

/**
 * Reloads a plan's replay receipt, label receipt and draft receipt from their keys, so a
 * publish retry works from what was stored (never a caller-supplied draft). Checks each
 * against its schema and, when given, the sha256 the caller recorded (`ARTIFACT_CORRUPT`);
 * a missing artifact is `REF_NOT_FOUND`.
 */
export async function loadPublishInputs(
  store: ObjectStore,
  plan: Pick<BuildPlan, 'platform_run_id' | 'plan_id'>,
  expected: ExpectedDigests = {},
  options: AbortOptions = {},
): Promise<StoredPublishInputs> {
  const prid = plan.platform_run_id;
  const replay = await loadRecord<ReplayReceipt>(
    store,
    replayReceiptKey(prid, plan.plan_id),
    ReplayReceiptSchema,
    expected.replayReceipt,
    options,
  );
  const labels = await loadRecord<LabelReceipt>(
    store,
    labelReceiptKey(prid, plan.plan_id),
    LabelReceiptSchema,
    expected.labelReceipt,
    options,
  );
  const draft = await loadRecord<DraftReceipt>(store, draftReceiptKey(prid, plan.plan_id), DraftReceiptSchema, expected.draft, options);
  return {
    replayReceipt: replay.value,
    labelReceipt: labels.value,
    draft: draft.value,
    digests: { replayReceipt: replay.sha256, labelReceipt: labels.sha256, draft: draft.sha256 },
  };
}

/** A published dataset found through the by-plan index. */
export interface PublishedDataset {
  manifestKey: string;
  manifest: DatasetManifest;
  index: PlanIndexEntry;
}

/**
 * The manifest a plan already published, through `{platform_run_id}/ofs/index/by_plan/{plan_id}.json`
 * (no scanning), or `undefined`. The manifest's bytes must match the sha256 the index recorded
 * (`ARTIFACT_CORRUPT` otherwise). Call it before replay to reuse a finished build.
 */
export async function findPublishedByPlan(
  store: ObjectStore,
  plan: Pick<BuildPlan, 'platform_run_id' | 'plan_id'>,
  options: AbortOptions = {},
): Promise<PublishedDataset | undefined> {
  const signal = options.signal ? { signal: options.signal } : undefined;
  const key = planIndexKey(plan.platform_run_id, plan.plan_id);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, signal);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
  if (bytes === undefined) return undefined;
  let index: unknown;
  try {
    index = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    index = undefined;
  }
  if (schemaProblems(PlanIndexEntrySchema, index).length > 0)
    throw new OfsError('ARTIFACT_CORRUPT', { message: `${key} is not a plan index entry`, details: { key } });
  const entry = index as PlanIndexEntry;
  let manifestBytes: Uint8Array | undefined;
  try {
    manifestBytes = await store.get(entry.manifest.key, signal);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${entry.manifest.key}`);
  }
  if (manifestBytes === undefined || sha256Hex(manifestBytes) !== entry.manifest.sha256) {
    throw new OfsError('ARTIFACT_CORRUPT', {
      message: `the manifest ${entry.manifest.key} named by ${key} is missing or does not match its recorded sha256`,
      details: { key, manifest_key: entry.manifest.key },
    });
  }
  const manifest = await readManifest(entry.manifest.key, { store, ...(options.signal ? { signal: options.signal } : {}) });
  return { manifestKey: entry.manifest.key, manifest, index: entry };
}
