import {
  type BuildIntent,
  compareDecimal,
  isCanonicalDecimal,
  OfsError,
  PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION,
  PARITY_ANCHOR_SCHEMA_VERSION,
  type ParityAnchorBundle,
  type ParityAnchor,
  type Problem,
  type ReplaySlice,
  throwProblems,
} from '@ofs/contracts';
import { canonicalReplayBasis } from '@ofs/ids';
import { resolveRef } from './resolve-ref.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
function isPartition(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Types a parity anchor (an RTDL audit record, decision payload or feature snapshot) read by
 * explicit ref. Stricter than the reference (ref-spec-2 §1.7): offsets must be canonical decimal
 * strings; `eb_offset_basis` offsets are recorded as the exclusive `next_offset` they are (not
 * turned into `[o, o]` slices); duplicate partitions are refused; the anchor's `pins`
 * (`platform_run_id`, `scenario_run_id`) must match the intent's scope; and a feature set the
 * anchor names must be the intent's (`feature_def_policy_rev` is not a feature set and is
 * ignored). Every problem is `PARITY_ANCHOR_INVALID`, reported together.
 */
export function typeParityAnchor(raw: unknown, intent: BuildIntent, ref: string): ParityAnchor {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, code: 'PARITY_ANCHOR_INVALID', message });
  if (!isObject(raw)) {
    add('', 'a parity anchor must be a JSON object');
    throwProblems(problems, `parity anchor ${ref} is invalid`);
  }
  const anchor = raw as Json;

  if (anchor.pins !== undefined) {
    if (!isObject(anchor.pins)) add('/pins', 'pins must be an object');
    else {
      const run = anchor.pins.platform_run_id;
      if (run !== undefined && run !== intent.platform_run_id) add('/pins/platform_run_id', `anchor is for platform run ${String(run)}`);
      const scenario = anchor.pins.scenario_run_id;
      if (scenario !== undefined && intent.scenario_run_ids.length > 0 && !intent.scenario_run_ids.includes(String(scenario))) {
        add('/pins/scenario_run_id', `anchor scenario run ${String(scenario)} is not among the intent's scenario_run_ids`);
      }
    }
  }

  const snapshotHash = text(anchor.snapshot_hash);
  if (snapshotHash === undefined) add('/snapshot_hash', 'snapshot_hash is required');

  let basis: ParityAnchor['basis'] | undefined;
  if (anchor.eb_offset_basis !== undefined) {
    basis = ebOffsetBasis(anchor.eb_offset_basis, add);
  } else if (anchor.replay_basis !== undefined) {
    basis = replayBasis(anchor.replay_basis, add);
  } else {
    add('', 'an anchor needs eb_offset_basis or replay_basis');
  }

  let featureSet: ParityAnchor['feature_definition_set'];
  if (anchor.feature_definition_set !== undefined) {
    const fd = anchor.feature_definition_set;
    const id = isObject(fd) ? text(fd.feature_set_id) : undefined;
    const version = isObject(fd) ? text(fd.feature_set_version) : undefined;
    if (id === undefined || version === undefined)
      add('/feature_definition_set', 'feature_definition_set needs feature_set_id and feature_set_version');
    else featureSet = { feature_set_id: id, feature_set_version: version };
  } else if (Array.isArray(anchor.feature_groups)) {
    const group = anchor.feature_groups.find((g) => isObject(g) && text(g.name) !== undefined && text(g.version) !== undefined) as
      | Json
      | undefined;
    if (group) featureSet = { feature_set_id: group.name as string, feature_set_version: group.version as string };
  }
  const wanted = intent.feature_definition_set;
  if (
    featureSet &&
    (featureSet.feature_set_id !== wanted.feature_set_id || featureSet.feature_set_version !== wanted.feature_set_version)
  ) {
    add(
      '/feature_definition_set',
      `anchor features ${featureSet.feature_set_id}@${featureSet.feature_set_version} are not the intent's ${wanted.feature_set_id}@${wanted.feature_set_version}`,
    );
  }

  throwProblems(problems, `parity anchor ${ref} is invalid`);

  const [kind, id] =
    text(anchor.audit_id) !== undefined
      ? (['audit_record', text(anchor.audit_id)] as const)
      : text(anchor.decision_id) !== undefined
        ? (['decision_payload', text(anchor.decision_id)] as const)
        : text(anchor.snapshot_ref) !== undefined
          ? (['snapshot_ref', text(anchor.snapshot_ref)] as const)
          : (['generic', undefined] as const);
  return {
    schema_version: PARITY_ANCHOR_SCHEMA_VERSION,
    anchor_kind: kind,
    ...(id === undefined ? {} : { anchor_id: id }),
    snapshot_hash: snapshotHash as string,
    basis: basis as ParityAnchor['basis'],
    ...(featureSet === undefined ? {} : { feature_definition_set: featureSet }),
  };
}

function ebOffsetBasis(raw: unknown, add: (path: string, message: string) => void): ParityAnchor['basis'] | undefined {
  if (!isObject(raw)) {
    add('/eb_offset_basis', 'eb_offset_basis must be an object');
    return undefined;
  }
  const stream = text(raw.stream);
  const offsetKind = text(raw.offset_kind);
  if (stream === undefined) add('/eb_offset_basis/stream', 'stream is required');
  if (offsetKind === undefined) add('/eb_offset_basis/offset_kind', 'offset_kind is required');
  if (!Array.isArray(raw.offsets) || raw.offsets.length === 0) {
    add('/eb_offset_basis/offsets', 'offsets must be a non-empty array');
    return undefined;
  }
  const offsets: { partition: number; next_offset: string }[] = [];
  const seen = new Set<number>();
  raw.offsets.forEach((row, i) => {
    const path = `/eb_offset_basis/offsets/${i}`;
    if (!isObject(row) || !isPartition(row.partition) || typeof row.offset !== 'string' || !isCanonicalDecimal(row.offset)) {
      add(path, 'each offset needs a partition (whole number ≥ 0) and an offset (canonical decimal string)');
      return;
    }
    if (seen.has(row.partition)) add(path, `partition ${row.partition} appears twice`);
    seen.add(row.partition);
    offsets.push({ partition: row.partition, next_offset: row.offset });
  });
  if (stream === undefined || offsetKind === undefined) return undefined;
  offsets.sort((a, b) => a.partition - b.partition);
  return { form: 'eb_offset_basis', stream, offset_kind: offsetKind, offsets };
}

function replayBasis(raw: unknown, add: (path: string, message: string) => void): ParityAnchor['basis'] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    add('/replay_basis', 'replay_basis must be a non-empty array');
    return undefined;
  }
  const slices: ReplaySlice[] = [];
  raw.forEach((row, i) => {
    const path = `/replay_basis/${i}`;
    const topic = isObject(row) ? text(row.topic) : undefined;
    const kind = isObject(row) ? text(row.offset_kind) : undefined;
    const start = isObject(row) ? row.start_offset : undefined;
    const end = isObject(row) ? row.end_offset : undefined;
    if (
      !isObject(row) ||
      topic === undefined ||
      kind === undefined ||
      !isPartition(row.partition) ||
      typeof start !== 'string' ||
      typeof end !== 'string' ||
      !isCanonicalDecimal(start) ||
      !isCanonicalDecimal(end)
    ) {
      add(path, 'each slice needs topic, partition, offset_kind and canonical decimal start/end offsets');
      return;
    }
    if (compareDecimal(start, end) > 0) add(path, `start_offset ${start} is greater than end_offset ${end}`);
    slices.push({ topic, partition: row.partition, offset_kind: kind, start_offset: start, end_offset: end });
  });
  return { form: 'replay_basis', slices: canonicalReplayBasis(slices) };
}

/** Thrown when an intent kind needs an anchor it does not have. */
export function anchorRequired(intentKind: string): OfsError {
  return new OfsError('PARITY_ANCHOR_INVALID', {
    message: `${intentKind} needs a parity_anchor_ref: a parity rebuild compares against what the online plane computed`,
    details: { intent_kind: intentKind },
  });
}

/** Whether a parity anchor ref names a bundle of anchors (`learning.ofs_parity_anchor_bundle.v1`). */
export function isAnchorBundle(raw: unknown): boolean {
  return isObject(raw) && raw.schema_version === PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION;
}

/**
 * Types a bundle of parity anchors: a non-empty list of `{ ref, sha256 }`, each ref resolvable
 * inside the intent's platform run (the same rules as `parity_anchor_ref`), no ref twice. The
 * anchors themselves are read and typed by the parity run, which checks each one's sha256 — the
 * plan pins the bundle's digest, so every anchor's content is pinned too. Every problem is
 * `PARITY_ANCHOR_INVALID`, reported together.
 */
export function typeAnchorBundle(raw: unknown, intent: BuildIntent, ref: string): ParityAnchorBundle {
  const problems: Problem[] = [];
  const add = (path: string, message: string) => problems.push({ path, code: 'PARITY_ANCHOR_INVALID', message });
  const bundle = raw as Json;
  const allowed = new Set(['schema_version', 'anchors']);
  for (const key of Object.keys(bundle)) if (!allowed.has(key)) add(`/${key}`, `unknown field ${key}`);
  const anchors: { ref: string; sha256: string }[] = [];
  if (!Array.isArray(bundle.anchors) || bundle.anchors.length === 0) add('/anchors', 'anchors must be a non-empty array');
  else {
    const seen = new Set<string>();
    bundle.anchors.forEach((entry, i) => {
      const path = `/anchors/${i}`;
      if (!isObject(entry) || typeof entry.ref !== 'string' || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
        add(path, 'each entry needs a ref and the sha256 (64 lowercase hex) of the anchor bytes');
        return;
      }
      let key: string;
      try {
        key = resolveRef(entry.ref, intent.platform_run_id);
      } catch (error) {
        add(`${path}/ref`, error instanceof Error ? error.message : String(error));
        return;
      }
      if (seen.has(key)) add(`${path}/ref`, `anchor ${key} is listed twice`);
      seen.add(key);
      anchors.push({ ref: key, sha256: entry.sha256 });
    });
  }
  throwProblems(problems, `parity anchor bundle ${ref} is invalid`);
  return { schema_version: PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION, anchors };
}
