import type { OfsErrorCode } from './catalogue.js';

/**
 * What an operator DOES about each catalogue code: one imperative line (the CLI prints it as
 * `fix: …` under `CODE: message`). Typed over every code, so adding a code to
 * `OFS_ERROR_CATALOGUE` without a fix here fails typecheck with "Property '<CODE>' is missing".
 * A fix says what to do next, never restates the problem; the message carries the specifics.
 */
export const OFS_ERROR_FIXES: { readonly [K in OfsErrorCode]: string } = {
  // intent
  SCHEMA_INVALID: 'fix the fields listed in details.problems (each path and expected type), then submit again.',
  REQUEST_ID_INVALID: 'set request_id to 8–128 characters of [A-Za-z0-9_.:-] (or pass `--request-id <id>`).',
  INTENT_KIND_UNSUPPORTED: 'set intent_kind to dataset_build, parity_rebuild or forensic_rebuild.',
  RUN_SCOPE_INVALID: 'set platform_run_id to the platform run the data belongs to (letters, digits, _ . : - only).',
  BASIS_UNRESOLVED:
    'give every replay_basis slice its topic, partition, offset_kind, start_offset and end_offset (`ofs plan <intent>` checks it).',
  OFFSET_NOT_CANONICAL: 'write offsets as decimal strings without sign, spaces or leading zeros, e.g. "0", "1200".',
  OFFSET_RANGE_INVALID: 'swap or correct the slice bounds so that start_offset ≤ end_offset.',
  BASIS_SLICES_OVERLAP: 'merge the overlapping slices of that topic/partition into one range.',
  LABEL_ASOF_MISSING: 'set label_basis.label_asof_utc, resolution_rule and a whole maturity_days ≥ 0 in the intent.',
  LABEL_ASOF_INVALID: 'write label_asof_utc as an RFC 3339 instant with a zone, e.g. 2026-11-01T00:00:00Z.',
  FEATURE_PROFILE_UNRESOLVED:
    'add the profile file <feature_set_id>/<feature_set_version>.json under the profiles directory (or correct the intent); a run that already failed on it is rebuilt with `ofs build <intent> --request-id <new id>`.',
  RUN_FACTS_UNAVAILABLE: 'point run_facts_ref at the run facts object of this platform run, or write it to the store first.',
  PARITY_ANCHOR_INVALID: 'point the parity anchor ref at a valid anchor object under this platform run.',
  POLICY_REVISION_MISSING: "set policy_revision in the intent to the corridor policy's revision.",
  CONFIG_REVISION_MISSING: "set config_revision in the intent to the corridor's (ofs.config.json).",
  CODE_RELEASE_MISSING: 'set ofs_code_release_id in the intent to the running release (`ofs plan` prints it).',
  REQUEST_INVALID:
    'read the request’s receipt under ofs/inbox/receipts for details.problems, fix the request and drop it again under a new name.',
  // identity and write-once artifacts
  CANONICAL_VALUE_INVALID:
    'replace NaN, ±Infinity, undefined, functions, unsafe integers and cycles with JSON values (decimal strings for big numbers).',
  ARTIFACT_IMMUTABILITY_VIOLATION:
    'leave the stored object as it is; write the new content under a new identity (change a pinned input or version).',
  ARTIFACT_CORRUPT: 'restore the named object from a backup (or delete an unpublished one and rebuild); never edit stored objects by hand.',
  // object store and refs
  REF_INVALID: 'use a store-relative key under the intent’s platform_run_id, without "..", absolute paths or schemes.',
  REF_SCOPE_MISMATCH: "point the ref at an object under the intent's own platform_run_id prefix.",
  REF_NOT_FOUND: 'write the object first, or correct the ref to a key that exists in the store.',
  STORE_UNAVAILABLE: 'check the object store (disk space, permissions, reachability), then run the same command again.',
  DATABASE_SCHEMA_TOO_NEW:
    'run this command with the newer release that migrated the database (details.found); never downgrade a database.',
  // ledger
  RUN_NOT_FOUND: 'check the run key: `ofs submit` and `ofs build` print it (`ofs status <run_key>`).',
  RUN_STATE_INVALID:
    'run `ofs status <run_key>` to see the state; only PUBLISH_PENDING runs (or DONE runs missing a manifest) retry publication.',
  SHARD_PIN_MISMATCH:
    'wait for the run to rebuild the refused shards; if it repeats, give every `ofs worker` the same configuration and stop writing backdated labels during the build.',
  LEASE_LOST: 'nothing to do here: the worker that owns the run now finishes it; follow it with `ofs status <run_key>`.',
  REQUEST_ID_PAYLOAD_MISMATCH:
    'submit under a new request_id: `ofs build <intent> --request-id <new id>` (or edit request_id in the file); the old run keeps its own.',
  RUN_ATTEMPTS_EXHAUSTED:
    'fix the dependency named by the run’s last error (`ofs status <run_key>`), then submit again under a new request_id.',
  PUBLISH_RETRY_EXHAUSTED: 'fix the object store, then submit again under a new request_id.',
  LEDGER_UNAVAILABLE: 'check the database (--database-url reachable, disk space), then run the same command again.',
  LEDGER_ARGUMENT_INVALID: 'correct the argument named in details (worker name, --lease-ms, limit) and call again.',
  // plan
  POLICY_INVALID: 'fix the policy file (policy.json of the corridor) at the fields listed in details.problems.',
  RUN_FACTS_INVALID: 'regenerate the run facts for this platform run so they cover every output the intent reads.',
  NO_PASS_NO_READ: 'record a PASS instance or gate receipt in the run facts for every world output the plan reads, then build again.',
  FEATURE_PROFILE_INVALID: 'fix the feature named in details in the profile file, then publish it under a new feature_set_version.',
  FEATURE_PROFILE_DRIFT: 'restore the published profile bytes and put the change under a new feature_set_version.',
  FEATURE_PROFILE_UNTRANSLATABLE:
    'change the reference group or window named in details to one the corridor can express (lowercase window names, durations up to 366 days, a snake_case key_type), or write a corridor profile by hand.',
  FEATURE_PROFILE_PIN_MISMATCH:
    'load the profile document the resolved-profile record was computed from, or resolve the plan again against this document.',
  POLICY_REVISION_MISMATCH: "set policy_revision in the intent to the corridor policy's revision.",
  CONFIG_REVISION_MISMATCH: "set config_revision in the intent to the corridor's (ofs.config.json).",
  CODE_RELEASE_MISMATCH: 'set ofs_code_release_id in the intent to this release (see `ofs plan`), or run the matching release.',
  // replay
  REPLAY_BASIS_MISMATCH: 'compare the EB and Archive records at the offset in details and repair the archive writer; then build again.',
  REPLAY_INCOMPLETE: 'restore the missing offsets to EB or the Archive, or build with non_training_allowed.',
  REPLAY_UNSATISFIABLE: 'narrow the replay basis to offsets EB or the Archive still hold (`ofs plan <intent>` shows feasibility).',
  REPLAY_UNCHECKABLE: 'give the basis dense offsets the sources can check, or build with non_training_allowed.',
  REPLAY_RECORD_INVALID: 'repair or remove the source segment named in details (its record or hash is malformed), then build again.',
  REPLAY_SOURCE_UNAVAILABLE: 'check the EB and Archive sources (segment directories, network), then run the same command again.',
  // labels
  LABEL_TIMESTAMP_INVALID: 'write label timestamps as RFC 3339 instants with a zone, e.g. 2026-11-01T00:00:00Z.',
  LABEL_ASSERTION_INVALID: 'fix the assertion fields listed in details.problems and append it again.',
  COVERAGE_POLICY_VIOLATION: 'wait for more labels and build with a later label_asof_utc, or build with non_training_allowed.',
  LABEL_ASSERTION_CONFLICT: 'append the corrected assertion under a new assertion_id; existing assertions never change.',
  LABEL_STORE_UNAVAILABLE: 'check the label database (--database-url reachable, disk space), then run the same command again.',
  // reconstruction and publication
  REPLAY_EVENT_ID_CONFLICT:
    'find the producer that reused the event_id (details name both hashes) and fix it; the basis cannot build as is.',
  FEATURE_VALUE_INVALID:
    'correct the feature’s source field in the profile, or fix the producer emitting non-numeric values (details name it).',
  PUBLISH_GATE_FAILED:
    'read the failed gate in details, run `ofs retry-publish <run_key>` once its cause is fixed; report it if the counts disagree.',
  SUPERSESSION_INVALID: 'name an existing manifest of the same platform run in --supersedes and give --backfill-reason.',
  MANIFEST_CONFLICT: 'change a pinned input (a new identity) instead of rebuilding; `ofs inspect <manifest>` shows the existing one.',
  DATASET_INTEGRITY_VIOLATION: 'restore the listed objects from a backup, or rebuild under a new identity; never edit published objects.',
  MANIFEST_MISSING:
    'run `ofs retry-publish <run_key>` (the run that published it): it re-creates the manifest byte-identically; `ofs gc` keeps its parts meanwhile.',
  // observe
  CONTROL_BUS_UNAVAILABLE: 'check the control bus (NATS URL, JetStream stream), then run `ofs report` again to export the stored facts.',
  // runner
  RUN_CONFIG_DIGEST_MISMATCH:
    'deploy the same policy, profiles, code and config to submitter and worker, then run `ofs build <intent> --request-id <new id>`.',
  RUN_LEASE_HELD:
    'follow the run with `ofs status <run_key>`; if its worker died, run the same command again after the lease expiry printed above (it resumes the run).',
  ABORTED: 'run the same command again when you are ready: the run’s lease was released and it resumes where it stopped.',
  CORRIDOR_CONFIG_INVALID: 'run `ofs demo --dir <dir>` to create an embedded corridor, or fix ofs.config.json as the message says.',
  CORRIDOR_LOCKED:
    'wait for the process named above to exit (or stop it), then run the command again; to run several processes at once use --database-url.',
  CLI_ARGUMENT_INVALID: 'run `ofs help <command>` for its usage.',
  INTERNAL_ERROR: 'report this bug with the details printed above (a stack trace); run the same command again to see if it repeats.',
  // ── added while merging the second-wave branches ──
  INTENT_SCOPE_UNSUPPORTED:
    'remove the filters/join_scope key named in details.path from the intent (the corridor implements label_posture, label_coverage_policy, label_types, required_output_ids, subject_key), then submit again.',
  LABEL_POLICY_INVALID:
    'correct filters.label_coverage_policy / label_types at the path in details: thresholds are numbers in [0, 1], types come from the policy taxonomy (details.taxonomy).',
  LABEL_TYPE_SCOPE_UNRESOLVED: 'name the label types in filters.label_types, or give the host policy non-empty label_types.',
  COVERAGE_POLICY_BELOW_FLOOR:
    "raise the intent's min_coverage_by_label_type (or lower its max_conflict_ratio) to at least the host floor in details, or ask the operator to change the floor.",
  VALUE_DEPTH_EXCEEDED: 'flatten the value named in the message below details.limit levels of nesting, or drop it from the record.',
  VALUE_SIZE_EXCEEDED: 'shrink the value below details.limit (or share fewer objects inside it), or drop it from the record.',
  OBJECT_NOT_REGULAR_FILE: 'remove the FIFO, socket or device at that path (it was not written by the corridor) and run again.',
  REPLAY_HASH_UNVERIFIABLE:
    'rewrite the segments with the current writer (`ofs demo` regenerates its own), or build without verifyHashes for these sources.',
  REPLAY_RECORD_TOO_LARGE:
    "raise the source's maxRecordBytes above the record's size if it is legitimate, or fix the producer that wrote it.",
  REPLAY_RECORD_MISSING:
    'submit again under a new request_id so coverage is proven afresh (the source trimmed, purged or deleted records after planning), or serve the range from the Archive.',
  REPLAY_SOURCE_NOT_FOUND:
    'check the stream/bucket/prefix named in details and the credentials in the environment, or fix ofs.config.json.',
  ADAPTER_NOT_INSTALLED:
    'install the package named in details next to @ofs/runner (e.g. `npm install @ofs/source-nats nats`), or remove the adapter from ofs.config.json.',
  STORE_WRITE_ONCE_UNSUPPORTED:
    'use an S3 endpoint that honours If-None-Match: * (AWS S3, Ceph radosgw ≥ 16), or, only if exactly one process ever writes to the bucket, open the store with assumeSingleWriter.',
  STORE_BUCKET_NOT_FOUND: 'create the bucket named in details, or fix the bucket in ofs.config.json.',
  STORE_ACCESS_DENIED:
    'check the credentials in the environment (or the SDK default chain) and the bucket policy for the bucket named in details.',
  STORE_OBJECT_TOO_LARGE: 'lower part_rows in the policy so each part fits in one conditional PUT (at most 5 GiB on S3).',
  STORE_LIST_UNORDERED: 'use a conforming S3 endpoint: this one does not list keys in byte order as S3 must.',
  REPLAY_SOURCE_UNSTABLE:
    'wait until the partition in details stops changing (e.g. EB retention settles) and build again, or build with --threads 1.',
  REPLAY_SHARD_RESHARDED: 'end the slice at the parent shard’s last sequence and read the rest from the child shards (or the Archive).',
  DEPENDENCY_MISSING:
    'install the package named above next to @ofs/runner (`npm i <package>`), or install @ofs/cli, which brings PGlite and pg.',
  LABEL_STORE_READ_ONLY: 'load the assertions with the store’s own import tool, or use an appendable label store.',
  FEATURE_EVENT_OUT_OF_ORDER: 'feed each event once, in ascending offset order within its topic partition (drop redeliveries first).',
  FEATURE_ENTITY_UNKNOWN:
    'name an entity the profile declares, with a scalar key; for a key never seen, also name its topic and partition.',
  REBUILD_PIN_UNRESOLVED:
    'restore what details.pin names (the profile version under profiles/, the policy file, the label store, the cited artifact) exactly as it was pinned; a changed pin is a new dataset, not a rebuild.',
  TIME_WINDOW_INVALID: 'write the window as topic=<topic>,start=<RFC 3339>,end=<RFC 3339> with start before end (partitions=a-b optional).',
  TIME_WINDOW_UNPROVABLE:
    'plan from a source whose index records event times (segment files written by the current writer), or write the offsets by hand.',
  LABEL_ASSERTION_ID_MISMATCH:
    'export the assertion again from the Label Store (it changed after its id or payload_hash was computed), or drop label_assertion_id/payload_hash to have them derived.',
  COLUMN_VALUE_OUT_OF_TYPE:
    'declare a wider type in a new feature_set_version (more scale or precision, a finer timestamp unit, json), or fix the producer; values are never rounded.',
  PART_WRITE_FAILED: 'report this bug with the details printed above (the writer cause); nothing was published.',
};

/** The `fix:` line for a code: what to do next. */
export function fixFor(code: OfsErrorCode): string {
  return OFS_ERROR_FIXES[code];
}
