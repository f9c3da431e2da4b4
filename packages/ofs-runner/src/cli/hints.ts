import { isOfsError, OFS_ERROR_CATALOGUE, type OfsErrorCode } from '@ofs/contracts';

/**
 * What an operator should do about a code, where that is more specific than the catalogue's
 * meaning. Codes without an entry fall back to the catalogue sentence.
 */
const FIXES: Partial<Record<OfsErrorCode, string>> = {
  SCHEMA_INVALID: 'fix the fields listed in details.problems and submit again.',
  REQUEST_ID_PAYLOAD_MISMATCH:
    'submit under a new request_id: `ofs build <intent> --request-id <new id>` (or edit request_id in the file); the old run keeps its own.',
  RUN_CONFIG_DIGEST_MISMATCH:
    'the submitter and this worker resolve different policy/profile/code/config; deploy the same configuration to both, then submit again under a new request_id.',
  CODE_RELEASE_MISMATCH: 'set ofs_code_release_id in the intent to this release (see `ofs plan`), or run the matching release.',
  CONFIG_REVISION_MISMATCH: "set config_revision in the intent to the corridor's (ofs.config.json).",
  POLICY_REVISION_MISMATCH: "set policy_revision in the intent to the corridor policy's revision.",
  FEATURE_PROFILE_UNRESOLVED: 'add the profile file for this feature_set_id/version under the profiles directory, or fix the intent.',
  COLUMN_VALUE_OUT_OF_TYPE:
    'declare a wider type in a new feature_set_version (more scale or precision, a finer timestamp unit, json), or fix the producer; values are never rounded.',
  FEATURE_PROFILE_DRIFT: 'profiles are immutable per version: publish the changed profile under a new feature_set_version.',
  NO_PASS_NO_READ: 'the run facts need a PASS instance or gate receipt for every world output the plan reads.',
  REF_INVALID: 'refs are store-relative keys under the intent’s platform_run_id, without "..", absolute paths or schemes.',
  REF_SCOPE_MISMATCH: "point the ref at an object under the intent's own platform_run_id prefix.",
  REF_NOT_FOUND: 'check the ref: the object does not exist in the store.',
  REPLAY_UNSATISFIABLE: 'narrow the replay basis to offsets EB or the Archive still hold (`ofs plan` shows feasibility).',
  REPLAY_INCOMPLETE: 'the sources are missing offsets inside the basis: restore them, or build with non_training_allowed.',
  REPLAY_BASIS_MISMATCH: 'EB and Archive disagree on a payload: investigate the archive writer; training builds cannot proceed.',
  COVERAGE_POLICY_VIOLATION: 'wait for more labels (a later label_asof_utc) or build with non_training_allowed.',
  PUBLISH_RETRY_EXHAUSTED: 'fix the store, then submit again under a new request_id.',
  RUN_ATTEMPTS_EXHAUSTED: 'fix the failing dependency, then submit again under a new request_id.',
  STORE_UNAVAILABLE: 'check the object store (disk space, permissions) and retry.',
  LEDGER_UNAVAILABLE: 'check the database (--database-url / the PGlite directory is used by one process at a time) and retry.',
  RUN_NOT_FOUND: 'check the run key (`ofs submit` and `ofs build` print it).',
  RUN_STATE_INVALID: '`ofs status <run_key>` shows the state; only PUBLISH_PENDING runs can retry publication.',
  MANIFEST_CONFLICT: 'a different dataset exists under this identity; change a pinned input (new identity) instead of rebuilding.',
  DATASET_INTEGRITY_VIOLATION:
    'an object of the dataset changed after publication (each difference is listed): restore it from backup; never edit published objects.',
  MANIFEST_MISSING:
    'run `ofs retry-publish <run_key>` (the run that published it): it re-creates the manifest byte-identically from the run’s verified artifacts; `ofs gc` keeps its parts meanwhile.',
  CORRIDOR_CONFIG_INVALID: 'run `ofs demo --dir <dir>` to create an embedded corridor, or fix ofs.config.json.',
  CLI_ARGUMENT_INVALID: 'run `ofs help <command>` for usage.',
  ABORTED: 'the run’s lease was released; a worker resumes it.',
  INTERNAL_ERROR: 'this is a bug: report it with the details printed above.',
  // features, parity and forensic rebuilds
  FEATURE_EVENT_OUT_OF_ORDER: 'feed each event once, in ascending offset order within its topic partition (drop redeliveries first).',
  FEATURE_ENTITY_UNKNOWN:
    'name an entity the profile declares, with a scalar key; for a key never seen, also name its topic and partition.',
  REBUILD_PIN_UNRESOLVED:
    'restore what details.pin names (the profile version under profiles/, the policy file, the label store, the cited artifact) exactly as it was pinned; a changed pin is a new dataset, not a rebuild.',
};

/** The "what to fix" line for a code: a specific hint, else the catalogue's meaning. */
export function fixHint(code: OfsErrorCode): string {
  return FIXES[code] ?? OFS_ERROR_CATALOGUE[code].meaning;
}

/**
 * Renders an error the way the CLI prints it: `CODE: message`, then `  fix: …`, then the
 * validation problems (if any), one per line.
 */
export function formatError(error: unknown): string {
  if (!isOfsError(error)) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    return `INTERNAL_ERROR: ${text}\n  fix: ${fixHint('INTERNAL_ERROR')}`;
  }
  const lines = [`${error.code}: ${error.message}`, `  fix: ${fixHint(error.code)}`];
  const problems = error.details.problems;
  if (Array.isArray(problems)) {
    for (const p of problems.slice(0, 20) as { path?: string; code?: string; message?: string }[]) {
      lines.push(`  - ${p.path || '/'} ${p.code ?? ''}: ${p.message ?? ''}`);
    }
    if (problems.length > 20) lines.push(`  … and ${problems.length - 20} more`);
  }
  return lines.join('\n');
}
