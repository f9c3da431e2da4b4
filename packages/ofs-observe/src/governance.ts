import {
  type AbortOptions,
  type ControlBus,
  GOVERNANCE_FACT_SCHEMA_VERSION,
  type GovernanceFact,
  type GovernanceFactType,
  governanceDeliveryKey,
  governanceFactKey,
  isObjectKey,
  OfsError,
  type ObjectStore,
  type RunRecord,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { digestOf, readJson, writeOnceJson } from '@ofs/ids';

/** Recipe of `governanceFactId`. */
export const GOVERNANCE_FACT_ID_RECIPE = 'ofs.governance_fact_id.v1';

/** `gf_` + the first 32 hex of sha256 over canonical `{"fact_type":T,"recipe":"ofs.governance_fact_id.v1","run_key":K}`. */
export function governanceFactId(runKey: string, factType: GovernanceFactType): string {
  return `gf_${digestOf({ recipe: GOVERNANCE_FACT_ID_RECIPE, run_key: runKey, fact_type: factType }).slice(0, 32)}`;
}

const MANIFEST_ID = /\/(dm_[0-9a-f]{32})\.json$/;

function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

function fact(run: RunRecord, type: GovernanceFactType, atMs: number, details: Record<string, unknown>): GovernanceFact {
  // A backfill is declared at submission: nothing the run learns later may change that fact.
  const atSubmission = type === 'BACKFILL_DECLARED';
  const manifestKey = run.state === 'DONE' && !atSubmission ? run.manifest_key : null;
  const planId = atSubmission ? null : run.plan_id;
  return {
    schema_version: GOVERNANCE_FACT_SCHEMA_VERSION,
    fact_id: governanceFactId(run.run_key, type),
    fact_type: type,
    platform_run_id: run.platform_run_id,
    run_key: run.run_key,
    request_id: run.request_id,
    intent_kind: run.intent_kind,
    occurred_at_utc: isoOf(atMs),
    plan_id: planId !== null && /^plan_[0-9a-f]{32}$/.test(planId) ? planId : null,
    dataset_manifest_id: manifestKey === null ? null : (MANIFEST_ID.exec(manifestKey)?.[1] ?? null),
    manifest_key: manifestKey,
    details,
  };
}

/**
 * The lifecycle facts a run's ledger record states, from the record alone (so the same record
 * always gives the same facts, byte for byte): `BACKFILL_DECLARED` for a run submitted with
 * `supersedes` (at submission time); on `DONE`, `DATASET_PUBLISHED` and, for a backfill,
 * `DATASET_SUPERSEDED`; on `FAILED`, `DATASET_BUILD_FAILED` and, when the publish retries ran out,
 * also `PUBLISH_RETRY_EXHAUSTED`. Runs still moving and cancelled runs state nothing else.
 * Terminal records never change, which is what makes the facts write-once.
 */
export function governanceFactsOf(run: RunRecord): GovernanceFact[] {
  const facts: GovernanceFact[] = [];
  const supersedes = [...run.supersedes].sort();
  const backfill = { supersedes, backfill_reason: run.backfill_reason };
  if (supersedes.length > 0) facts.push(fact(run, 'BACKFILL_DECLARED', run.created_at_ms, backfill));
  if (run.state === 'DONE' && run.outcome === 'REPORTED') {
    // A parity or forensic run wrote a report: no dataset was published or superseded.
  } else if (run.state === 'DONE') {
    facts.push(fact(run, 'DATASET_PUBLISHED', run.updated_at_ms, { outcome: run.outcome, status_class: run.status_class }));
    if (supersedes.length > 0) facts.push(fact(run, 'DATASET_SUPERSEDED', run.updated_at_ms, backfill));
  } else if (run.state === 'FAILED') {
    const error = run.last_error;
    const failure = {
      error_code: error?.code ?? null,
      stage: error?.stage ?? null,
      full_run_attempts: run.full_run_attempts,
      publish_retry_attempts: run.publish_retry_attempts,
    };
    facts.push(fact(run, 'DATASET_BUILD_FAILED', run.updated_at_ms, failure));
    if (error?.code === 'PUBLISH_RETRY_EXHAUSTED') facts.push(fact(run, 'PUBLISH_RETRY_EXHAUSTED', run.updated_at_ms, failure));
  }
  return facts;
}

/** Options of `exportGovernanceFacts`. */
export interface ExportGovernanceOptions extends AbortOptions {
  /** Where facts are written (the record of truth). */
  readonly store: ObjectStore;
  /** Optional: where facts are announced after they are stored. */
  readonly bus?: ControlBus;
}

/** What one export did. */
export interface GovernanceExportResult {
  /** Facts written by this export. */
  readonly created: number;
  /** Facts that were already stored with the same bytes. */
  readonly existing: number;
  /** Facts published to the bus by this export. */
  readonly delivered: number;
  /** Every fact of the runs, by `fact_id`. */
  readonly facts: readonly GovernanceFact[];
}

/**
 * Writes every fact of `runs` write-once at `{platform_run_id}/ofs/governance/{fact_id}.json`
 * and, with a bus, publishes each fact not yet delivered to it, then writes a delivery marker at
 * `…/governance/delivered/{bus.name}/{fact_id}.json`. The fact is always stored before it is
 * announced, and a marker only after the bus accepted it, so a crash anywhere loses nothing: the
 * next export writes what is missing and re-publishes what was not marked (at-least-once; the bus
 * deduplicates by `fact_id`). Exporting the same ledger state again writes and publishes nothing.
 * A stored fact with other bytes is `ARTIFACT_IMMUTABILITY_VIOLATION`.
 */
export async function exportGovernanceFacts(runs: readonly RunRecord[], options: ExportGovernanceOptions): Promise<GovernanceExportResult> {
  const { store, bus, signal } = options;
  const opts = signal ? { signal } : {};
  if (bus !== undefined && !isObjectKey(bus.name)) {
    throw new OfsError('REF_INVALID', {
      message: `control bus name ${JSON.stringify(bus.name)} is not an object-key segment`,
      details: { bus: bus.name },
    });
  }
  const facts = runs.flatMap(governanceFactsOf).sort((a, b) => (a.fact_id < b.fact_id ? -1 : a.fact_id > b.fact_id ? 1 : 0));
  let created = 0;
  let existing = 0;
  let delivered = 0;
  for (const f of facts) {
    throwIfAborted(signal);
    const outcome = await writeOnceJson(store, governanceFactKey(f.platform_run_id, f.fact_id), f, opts);
    if (outcome === 'created') created += 1;
    else existing += 1;
    if (bus === undefined) continue;
    const marker = governanceDeliveryKey(f.platform_run_id, bus.name, f.fact_id);
    if ((await readJson(store, marker, opts)) !== undefined) continue;
    try {
      await bus.publish(f, opts);
    } catch (error) {
      throw toOfsError(error, 'CONTROL_BUS_UNAVAILABLE', `publishing ${f.fact_id} to control bus ${bus.name}`);
    }
    await writeOnceJson(store, marker, { fact_id: f.fact_id, bus: bus.name }, opts);
    delivered += 1;
  }
  return { created, existing, delivered, facts };
}

/**
 * The governance facts stored for a platform run, by `fact_id` (read from the facts themselves:
 * any index or projection can be rebuilt from this).
 */
export async function listGovernanceFacts(store: ObjectStore, platformRunId: string, options?: AbortOptions): Promise<GovernanceFact[]> {
  const prefix = `${platformRunId}/ofs/governance/gf_`;
  const out: GovernanceFact[] = [];
  try {
    for await (const key of store.list(prefix, options)) {
      if (!/\/gf_[0-9a-f]{32}\.json$/.test(key)) continue;
      const value = await readJson(store, key, options);
      if (value !== undefined) out.push(value as GovernanceFact);
    }
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `listing governance facts of ${platformRunId}`);
  }
  return out;
}
