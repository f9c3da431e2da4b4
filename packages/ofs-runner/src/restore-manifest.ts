import { type BuildIntent, OfsError, parseBuildIntent, type RunRecord, throwIfAborted, toOfsError } from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import { resolvePlan } from '@ofs/plan';
import {
  type ExpectedDigests,
  loadPublishInputs,
  publish,
  publishingRuns,
  recordedArtifactDigests,
  recordedManifestSha256,
} from '@ofs/publish';
import type { ExecContext } from './execute-run.js';
import { publishDeps } from './execute-run.js';
import { resolveRunConfig, runConfigDigest } from './run-config.js';

/** What `restoreManifest` did. */
export interface RestoreManifestResult {
  /** The run (a DONE run is terminal: restoring changes nothing in the ledger). */
  readonly run: RunRecord;
  readonly manifestKey: string;
  /** `true` when the manifest was missing and was re-created; `false` when it was there. */
  readonly restored: boolean;
  /** sha256 of the manifest's bytes (re-created or found). */
  readonly manifestSha256: string;
}

/**
 * Re-creates the lost manifest of a `DONE` run from the run's own stored artifacts, never from a
 * caller-supplied draft: the intent must still resolve to the run's plan under the run's
 * configuration, the receipts must hash to the digests the run (or another DONE run of the same
 * plan) recorded after reconstruction, every part must still hash to its recorded sha256, and the
 * re-built manifest must hash to the sha256 recorded at completion — checked before anything is
 * written. At least one of those recorded digests must exist, else nothing is written
 * (`PUBLISH_GATE_FAILED`). The result is byte-identical to the original manifest; the by-plan
 * index is re-asserted. A present manifest is left alone (`restored: false`).
 */
export async function restoreManifest(ctx: ExecContext, run: RunRecord, signal?: AbortSignal): Promise<RestoreManifestResult> {
  const { deps, ledger } = ctx;
  const options = signal ? { signal } : {};
  if (run.state !== 'DONE' || run.manifest_key === null || run.plan_id === null) {
    throw new OfsError('RUN_STATE_INVALID', {
      message: `run ${run.run_key} is ${run.state}${run.manifest_key === null ? ' without a manifest' : ''}; only a DONE run's manifest can be re-created`,
      details: { run_key: run.run_key, state: run.state },
    });
  }
  const manifestKey = run.manifest_key;
  let existing: Uint8Array | undefined;
  try {
    existing = await deps.store.get(manifestKey, options);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${manifestKey}`);
  }
  const runEvents = await ledger.events(run.run_key, options);
  const recordedSha = recordedManifestSha256(run, runEvents);
  if (existing !== undefined) {
    return { run, manifestKey, restored: false, manifestSha256: sha256Hex(existing) };
  }

  // The run's own configuration, and the plan its intent resolves to under it.
  const intent: BuildIntent = parseBuildIntent(run.intent);
  const config = await resolveRunConfig(
    intent,
    { policy: deps.policy, profiles: deps.profiles, pins: deps.pins, ...(deps.configExtra ? { extra: deps.configExtra } : {}) },
    options,
  );
  const digest = runConfigDigest(config);
  if (run.run_config_digest !== null && run.run_config_digest !== digest) {
    throw new OfsError('RUN_CONFIG_DIGEST_MISMATCH', {
      message: `run ${run.run_key} was built under run-config digest ${run.run_config_digest}; this corridor's is ${digest}, so its manifest cannot be re-created here`,
      details: { run_key: run.run_key, submitted: run.run_config_digest, worker: digest },
    });
  }
  throwIfAborted(signal);
  const { plan } = await resolvePlan(intent, { store: deps.store, profiles: deps.profiles, policy: deps.policy, pins: deps.pins }, options);
  if (plan.plan_id !== run.plan_id) {
    throw new OfsError('PUBLISH_GATE_FAILED', {
      message: `run ${run.run_key} built plan ${run.plan_id}, but its intent now resolves to ${plan.plan_id}; the manifest is not re-created`,
      details: { run_key: run.run_key, gate: 'stored_artifacts', built_plan_id: run.plan_id, resolved_plan_id: plan.plan_id },
    });
  }

  // What the runs that published this manifest recorded: artifact digests and the manifest sha256.
  let expected: ExpectedDigests | undefined = await recordedArtifactDigests(deps.ledger, run.run_key, signal);
  let manifestSha = recordedSha;
  if (expected === undefined || manifestSha === null) {
    for (const other of await publishingRuns(deps.ledger, run.platform_run_id, manifestKey, signal)) {
      if (other.run_key === run.run_key) continue;
      expected ??= await recordedArtifactDigests(deps.ledger, other.run_key, signal);
      manifestSha ??= recordedManifestSha256(other, await ledger.events(other.run_key, options));
    }
  }
  if (expected === undefined && manifestSha === null) {
    throw new OfsError('PUBLISH_GATE_FAILED', {
      message: `no run recorded digests of ${manifestKey} or of its artifacts; the stored artifacts cannot be verified, so nothing is written`,
      details: { run_key: run.run_key, gate: 'stored_artifacts', manifest_key: manifestKey },
    });
  }
  const stored = await loadPublishInputs(deps.store, plan, expected ?? {}, options);
  const published = await publish(
    plan,
    stored,
    { ...publishDeps(run, digest, deps), ...(manifestSha === null ? {} : { expectedManifestSha256: manifestSha }) },
    options,
  );
  if (published.manifestKey !== manifestKey) {
    throw new OfsError('INTERNAL_ERROR', {
      message: `re-creating ${manifestKey} published ${published.manifestKey}`,
      details: { run_key: run.run_key, manifest_key: manifestKey, published: published.manifestKey },
    });
  }
  return { run, manifestKey, restored: true, manifestSha256: published.manifestSha256 };
}
