import {
  type AbortOptions,
  type BuildIntent,
  type ObjectStore,
  OfsError,
  type Problem,
  type RunFactsView,
  RunFactsViewSchema,
  throwProblems,
  toOfsError,
} from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import { schemaProblems } from './schema-check.js';

/** Run facts read by explicit ref and checked against the intent's scope. */
export interface LoadedRunFacts {
  /** The store key the ref resolved to. */
  readonly key: string;
  /** The validated view. */
  readonly view: RunFactsView;
  /** sha256 hex of the stored bytes (the object is write-once, so its bytes are its identity). */
  readonly digest: string;
  /** The view's platform run (top level, else pins). */
  readonly platformRunId: string;
  /** The view's scenario run (top level, else pins). */
  readonly scenarioRunId: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads JSON bytes at `key`: `undefined` when absent, `ARTIFACT_CORRUPT` when the bytes are not
 * UTF-8 JSON, `STORE_UNAVAILABLE` when the store fails. Returns the bytes too (for digests).
 */
export async function readJsonWithBytes(
  store: ObjectStore,
  key: string,
  options?: AbortOptions,
): Promise<{ json: unknown; bytes: Uint8Array } | undefined> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, options);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading ${key}`);
  }
  if (bytes === undefined) return undefined;
  try {
    return { json: JSON.parse(decoder.decode(bytes)), bytes };
  } catch (error) {
    throw new OfsError('ARTIFACT_CORRUPT', { message: `${key} is not valid JSON`, details: { key }, cause: error });
  }
}

/**
 * Loads the run-facts view at `key` and checks its scope against the intent: the view's
 * platform run must be the intent's, and when the intent lists scenario runs, the view's
 * scenario run must be one of them. A top-level id that contradicts the one in `pins` is
 * refused rather than ignored. Codes: `RUN_FACTS_UNAVAILABLE` (absent), `ARTIFACT_CORRUPT`
 * (not JSON), `RUN_FACTS_INVALID` (schema, contradiction or scope).
 */
export async function loadRunFacts(store: ObjectStore, key: string, intent: BuildIntent, options?: AbortOptions): Promise<LoadedRunFacts> {
  const read = await readJsonWithBytes(store, key, options);
  if (read === undefined) {
    throw new OfsError('RUN_FACTS_UNAVAILABLE', { message: `run facts ${key} do not exist`, details: { ref: key } });
  }
  throwProblems(schemaProblems(RunFactsViewSchema, read.json, 'RUN_FACTS_INVALID'), `run facts ${key} are invalid`);
  const view = read.json as RunFactsView;
  const problems: Problem[] = [];
  const platformRunId = scoped(view.platform_run_id, view.pins.platform_run_id, 'platform_run_id', problems);
  const scenarioRunId = scoped(view.scenario_run_id, view.pins.scenario_run_id, 'scenario_run_id', problems);
  if (platformRunId !== undefined && platformRunId !== intent.platform_run_id) {
    problems.push({
      path: '/platform_run_id',
      code: 'RUN_FACTS_INVALID',
      message: `run facts are for platform run ${platformRunId}, the intent for ${intent.platform_run_id}`,
    });
  }
  if (scenarioRunId !== undefined && intent.scenario_run_ids.length > 0 && !intent.scenario_run_ids.includes(scenarioRunId)) {
    problems.push({
      path: '/scenario_run_id',
      code: 'RUN_FACTS_INVALID',
      message: `run facts scenario run ${scenarioRunId} is not among the intent's scenario_run_ids`,
    });
  }
  throwProblems(problems, `run facts ${key} do not cover the intent's scope`);
  return { key, view, digest: sha256Hex(read.bytes), platformRunId: platformRunId as string, scenarioRunId: scenarioRunId as string };
}

function scoped(top: string | undefined, pinned: string | undefined, field: string, problems: Problem[]): string | undefined {
  if (top !== undefined && pinned !== undefined && top !== pinned) {
    problems.push({ path: `/${field}`, code: 'RUN_FACTS_INVALID', message: `${field} ${top} contradicts pins.${field} ${pinned}` });
    return undefined;
  }
  const value = top ?? pinned;
  if (value === undefined)
    problems.push({ path: `/${field}`, code: 'RUN_FACTS_INVALID', message: `${field} is missing (top level and pins)` });
  return value;
}
