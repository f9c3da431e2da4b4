/**
 * The closed catalogue of OFS error codes. Every failure the corridor raises is an
 * `OfsError` whose `code` is a key of this table; callers branch on the code, never on
 * the message. The README's table is generated from this object.
 */

/** The stage (or layer) that owns an error code. */
export type OfsStage =
  | 'intent'
  | 'identity'
  | 'store'
  | 'ledger'
  | 'plan'
  | 'replay'
  | 'labels'
  | 'publish'
  | 'features'
  | 'runner'
  | 'observe';

/** One catalogue entry: who raises the code, whether a retry can help, and what it means. */
export interface OfsCodeInfo {
  /** The stage that raises it. */
  readonly stage: OfsStage;
  /** `true` when the same call may succeed later (a dependency was unavailable). */
  readonly retryable: boolean;
  /** One sentence for operators: what happened and what to fix. */
  readonly meaning: string;
}

const entry = (stage: OfsStage, retryable: boolean, meaning: string): OfsCodeInfo => ({
  stage,
  retryable,
  meaning,
});

/** Every error code, with its stage, retryability and meaning. */
export const OFS_ERROR_CATALOGUE = {
  // ── intent (learning.ofs_build_intent.v0) ───────────────────────────────────
  SCHEMA_INVALID: entry('intent', false, 'A record does not match its schema (wrong type, unknown or missing field).'),
  REQUEST_ID_INVALID: entry('intent', false, '`request_id` is missing or not 8–128 characters of [A-Za-z0-9_.:-].'),
  INTENT_KIND_UNSUPPORTED: entry('intent', false, '`intent_kind` is not dataset_build, parity_rebuild or forensic_rebuild.'),
  RUN_SCOPE_INVALID: entry('intent', false, '`platform_run_id` is missing or not a safe object-key segment.'),
  INTENT_SCOPE_UNSUPPORTED: entry(
    'intent',
    false,
    'A `filters` or `join_scope` key (or value) asks for something the corridor does not implement; it is refused, never ignored.',
  ),
  BASIS_UNRESOLVED: entry('intent', false, '`replay_basis` is missing or a slice lacks topic, partition, offset kind or offsets.'),
  OFFSET_NOT_CANONICAL: entry('intent', false, 'An offset is not a canonical decimal string (^(0|[1-9][0-9]*)$).'),
  OFFSET_RANGE_INVALID: entry('intent', false, 'A slice has start_offset > end_offset (compared as integers).'),
  BASIS_SLICES_OVERLAP: entry('intent', false, 'Two slices of one topic/partition overlap or repeat.'),
  LABEL_ASOF_MISSING: entry(
    'intent',
    false,
    '`label_basis.label_asof_utc` or `resolution_rule` is missing, or `maturity_days` is not a whole number ≥ 0.',
  ),
  LABEL_ASOF_INVALID: entry('intent', false, '`label_asof_utc` is not an RFC 3339 instant with an explicit zone.'),
  FEATURE_PROFILE_UNRESOLVED: entry('plan', false, 'The feature profile named by the intent does not exist or its id/version is blank.'),
  RUN_FACTS_UNAVAILABLE: entry('plan', false, '`run_facts_ref` is missing, or the run facts it names cannot be read.'),
  PARITY_ANCHOR_INVALID: entry('plan', false, 'The parity anchor ref is blank, unreadable or not a valid anchor.'),
  POLICY_REVISION_MISSING: entry('intent', false, '`policy_revision` is missing or blank.'),
  CONFIG_REVISION_MISSING: entry('intent', false, '`config_revision` is missing or blank.'),
  CODE_RELEASE_MISSING: entry('intent', false, '`ofs_code_release_id` is missing or blank.'),
  REQUEST_INVALID: entry('runner', false, 'A request dropped in the inbox is not a valid build intent (see details.problems).'),

  // ── identity and write-once artifacts ──────────────────────────────────────
  CANONICAL_VALUE_INVALID: entry(
    'identity',
    false,
    'A value cannot be canonical JSON (NaN, ±Infinity, undefined, function, bigint-unsafe number or a cycle).',
  ),
  VALUE_DEPTH_EXCEEDED: entry(
    'identity',
    false,
    'A JSON value is nested deeper than the limit (details: limit); it is refused before any recursion could overflow the stack.',
  ),
  VALUE_SIZE_EXCEEDED: entry(
    'identity',
    false,
    'A JSON value has more nodes or encodes to more characters than the limit (details: limit), e.g. a graph of shared objects.',
  ),
  ARTIFACT_IMMUTABILITY_VIOLATION: entry(
    'identity',
    false,
    'A write-once object already exists with different bytes; it is never overwritten.',
  ),
  ARTIFACT_CORRUPT: entry('store', false, 'A stored object that must be JSON (or match a digest) does not.'),

  // ── object store and refs ──────────────────────────────────────────────────
  REF_INVALID: entry('store', false, 'A key or ref is malformed: traversal, absolute path, unknown scheme, bad characters or too long.'),
  REF_SCOPE_MISMATCH: entry('store', false, "A ref points into another platform run's prefix."),
  REF_NOT_FOUND: entry('store', false, 'A ref names an object that does not exist.'),
  STORE_UNAVAILABLE: entry('store', true, 'The object store failed or could not be reached; retry later.'),
  OBJECT_NOT_REGULAR_FILE: entry(
    'store',
    false,
    'A file-backed object or segment is not a regular file (a FIFO, socket or device planted in its place); it is refused without reading.',
  ),
  STORE_WRITE_ONCE_UNSUPPORTED: entry(
    'store',
    false,
    'The object-store endpoint does not honour conditional writes (If-None-Match: *), so it cannot guarantee write-once; refused at start.',
  ),
  STORE_BUCKET_NOT_FOUND: entry('store', false, 'The bucket named in details does not exist on the object-store endpoint.'),
  STORE_ACCESS_DENIED: entry('store', false, 'The object store refused the credentials or the operation on the bucket named in details.'),
  STORE_OBJECT_TOO_LARGE: entry(
    'store',
    false,
    'An object is larger than the store writes with one conditional request (details: size, limit).',
  ),
  STORE_LIST_UNORDERED: entry(
    'store',
    false,
    'The object-store endpoint listed keys out of ascending byte order; its listing cannot be trusted.',
  ),
  DATABASE_SCHEMA_TOO_NEW: entry(
    'store',
    false,
    'A ledger or label database was migrated by a newer release than this code; it is refused untouched (details: found, supported).',
  ),

  // ── ledger (S1) ────────────────────────────────────────────────────────────
  RUN_NOT_FOUND: entry('ledger', false, 'No run exists under that run key.'),
  RUN_STATE_INVALID: entry('ledger', false, 'The requested move is not allowed from the run’s current state (details name from/to).'),
  LEASE_LOST: entry('ledger', false, 'The lease token is stale: another worker owns the run now; nothing was changed.'),
  REQUEST_ID_PAYLOAD_MISMATCH: entry('ledger', false, 'The request_id was already submitted with a different payload.'),
  RUN_ATTEMPTS_EXHAUSTED: entry('ledger', false, 'The run failed retryably more often than `max_full_run_attempts` allows.'),
  PUBLISH_RETRY_EXHAUSTED: entry('ledger', false, 'Publication failed retryably more often than `max_publish_retries` allows.'),
  SHARD_PIN_MISMATCH: entry(
    'ledger',
    true,
    'A shard of a fanned-out run was built against other pinned inputs than the run (plan, run configuration, feature profile or label store state; details: pin, shards); the merge refused it and the shard is built again.',
  ),
  LEDGER_UNAVAILABLE: entry('ledger', true, 'The ledger database failed or could not be reached; retry later.'),
  LEDGER_ARGUMENT_INVALID: entry(
    'ledger',
    false,
    'A ledger call got an invalid argument (worker, lease length, list limit, error record…); details name it.',
  ),

  // ── plan (S2) ──────────────────────────────────────────────────────────────
  POLICY_INVALID: entry('plan', false, 'The OFS policy record is invalid.'),
  RUN_FACTS_INVALID: entry('plan', false, 'The run facts record is malformed or does not cover the intent’s scope.'),
  NO_PASS_NO_READ: entry('plan', false, 'A world output the plan uses has no PASS evidence; it must not be read.'),
  FEATURE_PROFILE_INVALID: entry('plan', false, 'The feature profile does not validate (details name the offending feature).'),
  FEATURE_PROFILE_DRIFT: entry('plan', false, 'The feature profile content changed under the same id and version.'),
  FEATURE_PROFILE_UNTRANSLATABLE: entry(
    'features',
    false,
    'The reference feature profile declares something a corridor profile cannot express (details name the group or window).',
  ),
  FEATURE_PROFILE_PIN_MISMATCH: entry(
    'features',
    false,
    'The reference resolved-profile record does not pin this profile document (digest, group or revision differ).',
  ),
  POLICY_REVISION_MISMATCH: entry('plan', false, 'The intent pins a policy revision other than the one configured.'),
  CONFIG_REVISION_MISMATCH: entry('plan', false, 'The intent pins a config revision other than the one configured.'),
  CODE_RELEASE_MISMATCH: entry('plan', false, 'The intent pins a code release other than the running one.'),

  // ── replay (S3) ────────────────────────────────────────────────────────────
  REPLAY_BASIS_MISMATCH: entry('replay', false, 'EB and Archive hold different payloads for the same offset.'),
  REPLAY_INCOMPLETE: entry('replay', false, 'Dense offsets inside the requested range were not observed (training builds fail).'),
  REPLAY_UNSATISFIABLE: entry('replay', false, 'The requested range is not inside the union of EB and Archive coverage.'),
  REPLAY_UNCHECKABLE: entry('replay', false, 'Completeness cannot be checked for this basis (training builds fail).'),
  REPLAY_RECORD_INVALID: entry('replay', false, 'A source returned a record that does not match the ReplayRecord schema or its hash.'),
  REPLAY_SOURCE_UNAVAILABLE: entry('replay', true, 'An EB or Archive source failed or could not be reached; retry later.'),
  REPLAY_HASH_UNVERIFIABLE: entry(
    'replay',
    false,
    'verifyHashes was asked of a source whose records do not carry what their hash covers (a v1 segment index: payload only).',
  ),
  REPLAY_RECORD_TOO_LARGE: entry(
    'replay',
    false,
    "A source record is larger than the source's maxRecordBytes (details: limit, file, line).",
  ),
  REPLAY_SOURCE_UNSTABLE: entry(
    'replay',
    true,
    'A sharded build read a partition twice (once to agree on duplicates, once to build) and the source returned other records the second time; retry when the source is stable.',
  ),
  REPLAY_SHARD_RESHARDED: entry(
    'replay',
    false,
    'A Kinesis shard was split or merged inside a slice: its records past the reshard live in child shards, so the slice cannot be read from one partition.',
  ),
  REPLAY_RECORD_MISSING: entry(
    'replay',
    false,
    'A record the source’s coverage promised is gone at read time (trimmed, purged or deleted); nothing is published over the gap.',
  ),
  REPLAY_SOURCE_NOT_FOUND: entry(
    'replay',
    false,
    'The EB or Archive resource (stream, bucket, prefix) does not exist or access to it is denied; details name it.',
  ),

  // ── labels (S4) ────────────────────────────────────────────────────────────
  LABEL_TIMESTAMP_INVALID: entry('labels', false, 'A label timestamp is not an RFC 3339 instant with an explicit zone.'),
  LABEL_ASSERTION_INVALID: entry('labels', false, 'A label assertion does not match the LabelAssertion schema.'),
  COVERAGE_POLICY_VIOLATION: entry(
    'labels',
    false,
    'Label coverage is below, or the conflict ratio above, what the policy allows for training.',
  ),
  LABEL_POLICY_INVALID: entry(
    'labels',
    false,
    "The intent's label coverage policy is malformed: not an object, a threshold outside [0, 1], or a label type outside the taxonomy.",
  ),
  LABEL_TYPE_SCOPE_UNRESOLVED: entry('labels', false, 'No label type could be resolved from the intent or the host policy.'),
  COVERAGE_POLICY_BELOW_FLOOR: entry(
    'labels',
    false,
    "The intent asks less label coverage (or allows more conflicts) than the host policy's floor permits.",
  ),
  LABEL_ASSERTION_ID_MISMATCH: entry(
    'labels',
    false,
    "A reference label assertion's supplied label_assertion_id or payload_hash differs from the one its recipe derives (ls.label_assertion_id.v1, ls.label_assertion_payload_hash.v1).",
  ),
  LABEL_ASSERTION_CONFLICT: entry('labels', false, 'An assertion_id was appended again with different content; assertions are immutable.'),
  LABEL_STORE_UNAVAILABLE: entry('labels', true, 'The label store failed or could not be reached; retry later.'),
  LABEL_STORE_READ_ONLY: entry(
    'labels',
    false,
    'The label store has no `append` (a read-only store); load assertions through the store’s own import, or use an appendable store.',
  ),

  // ── reconstruction and publication (S5/S6) ─────────────────────────────────
  REPLAY_EVENT_ID_CONFLICT: entry('publish', false, 'One event_id was replayed with two different payload hashes.'),
  FEATURE_VALUE_INVALID: entry('publish', false, 'A payload value a feature aggregates is not a number or decimal string.'),
  COLUMN_VALUE_OUT_OF_TYPE: entry(
    'publish',
    false,
    'A row value does not fit its declared column type (more scale than declared, beyond the precision or int64, a finer time than the unit, a wrong JSON type); the build fails rather than round (details name the column and event).',
  ),
  PART_WRITE_FAILED: entry(
    'publish',
    false,
    'The Parquet part writer failed on rows that fit their column types; this is a bug (details carry the cause).',
  ),
  // ── features (@ofs/features) ─────────────────────────────────────────────────
  FEATURE_EVENT_OUT_OF_ORDER: entry(
    'features',
    false,
    'The online feature face got an event at or before the last offset of its partition (or without a canonical offset); feed each event once, in offset order.',
  ),
  FEATURE_ENTITY_UNKNOWN: entry(
    'features',
    false,
    'A feature snapshot names an entity the profile does not declare, a non-scalar key, or a key never seen without naming its partition.',
  ),
  REBUILD_PIN_UNRESOLVED: entry(
    'runner',
    false,
    'A forensic rebuild cannot resolve one of the dataset’s pins any more (details.pin: plan, evidence, feature_profile, policy, label_store); nothing was rebuilt.',
  ),
  TIME_WINDOW_INVALID: entry(
    'intent',
    false,
    'A time-window selector is malformed: no topic, a start or end that is not an RFC 3339 instant with a zone, or start not before end.',
  ),
  TIME_WINDOW_UNPROVABLE: entry(
    'replay',
    false,
    'A time window cannot be resolved to offsets: a source holding the partition has no time index, cannot prove a chunk’s event times, cannot list partitions, or a record has no instant.',
  ),
  PUBLISH_GATE_FAILED: entry('publish', false, 'A publication gate failed (counts, parts or receipts disagree); nothing was published.'),
  SUPERSESSION_INVALID: entry('publish', false, 'A supersession target does not exist, is out of scope, or lacks a backfill reason.'),
  MANIFEST_CONFLICT: entry('publish', false, 'A different manifest already exists under the same dataset_manifest_id.'),
  DATASET_INTEGRITY_VIOLATION: entry(
    'publish',
    false,
    'A published dataset does not verify: a part, the rows digest, an evidence artifact, a manifest claim, the by-plan index or the manifest digest the run recorded differs (details.differences lists each).',
  ),
  MANIFEST_MISSING: entry(
    'publish',
    false,
    'A DONE run published this manifest but it is missing from the store; `ofs retry-publish <run_key>` re-creates it from the run’s verified artifacts.',
  ),

  // ── observe (S7) ───────────────────────────────────────────────────────────
  CONTROL_BUS_UNAVAILABLE: entry(
    'observe',
    true,
    'The control bus did not accept a governance fact; the fact is stored and is published on the next export.',
  ),

  // ── runner ─────────────────────────────────────────────────────────────────
  RUN_CONFIG_DIGEST_MISMATCH: entry(
    'runner',
    false,
    'The run was submitted under another outcome-affecting configuration than this worker’s.',
  ),
  RUN_LEASE_HELD: entry(
    'runner',
    true,
    'Another worker holds a live lease on the run and is building it (details: worker, lease_expires_at_ms); the run is not finished.',
  ),
  ABORTED: entry('runner', true, 'The operation was aborted through its AbortSignal; the run can resume.'),
  CORRIDOR_CONFIG_INVALID: entry(
    'runner',
    false,
    'The corridor configuration (e.g. ofs.config.json of an embedded corridor) is missing or invalid.',
  ),
  CORRIDOR_LOCKED: entry(
    'runner',
    false,
    'Another process holds the embedded corridor directory (its PGlite database is single-process); details.holder_pid names it.',
  ),
  ADAPTER_NOT_INSTALLED: entry(
    'runner',
    false,
    'ofs.config.json names an adapter package (EB, Archive or store) that is not installed; details name the package.',
  ),
  CLI_ARGUMENT_INVALID: entry('runner', false, 'A command-line argument or option is unknown, missing or malformed.'),
  DEPENDENCY_MISSING: entry(
    'runner',
    false,
    'An optional peer package this feature needs is not installed (details.package names it); install it, or use @ofs/cli.',
  ),
  INTERNAL_ERROR: entry('runner', false, 'An unexpected error escaped a stage; this is a bug (details carry the cause).'),
} as const satisfies Record<string, OfsCodeInfo>;

/** A code of the closed error catalogue. */
export type OfsErrorCode = keyof typeof OFS_ERROR_CATALOGUE;

/** Every code, in catalogue order. */
export const OFS_ERROR_CODES = Object.keys(OFS_ERROR_CATALOGUE) as OfsErrorCode[];

/** `true` when `code` is a code of the catalogue. */
export function isOfsErrorCode(code: unknown): code is OfsErrorCode {
  return typeof code === 'string' && Object.hasOwn(OFS_ERROR_CATALOGUE, code);
}
