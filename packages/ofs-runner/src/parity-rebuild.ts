import {
  type AbortOptions,
  type BuildIntent,
  type BuildPlan,
  compareDecimal,
  type FeatureProfiles,
  type ObjectStore,
  OfsError,
  type OfsPolicy,
  PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION,
  PARITY_REPORT_SCHEMA_VERSION,
  type ParityAnchor,
  type ParityAnchorBundle,
  type ParityReport,
  parityReportKey,
  type ReplaySource,
  throwIfAborted,
  toOfsError,
} from '@ofs/contracts';
import { type AnchorClaim, compareAnchors, createOnlineFeatures, FEATURE_SNAPSHOT_RECIPE, type RebuiltSide } from '@ofs/features';
import { canonicalJson, sha256Hex, writeOnceJson } from '@ofs/ids';
import { resolveRef, typeParityAnchor } from '@ofs/plan';
import { EventIdSet } from '@ofs/publish';
import { resolveReplay } from '@ofs/replay';

/** What a parity rebuild reads. */
export interface ParityDeps {
  readonly store: ObjectStore;
  readonly eb: ReplaySource;
  readonly archive: ReplaySource;
  readonly profiles: FeatureProfiles;
  readonly policy: OfsPolicy;
}

/** The written report, its key and the sha256 of its bytes. */
export interface ParityRunResult {
  readonly reportKey: string;
  readonly reportSha256: string;
  readonly report: ParityReport;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One anchor with what it claims and where its snapshot is taken. */
interface LoadedAnchor {
  readonly claim: AnchorClaim;
  /** Where to snapshot, or why no position could be chosen. */
  readonly position: { topic: string; partition: number; offsetKind: string; next: string } | { uncheckable: string };
}

/**
 * A `parity_rebuild` run (docs/decisions.md D55): reads the plan's anchor (or every anchor of the
 * bundle it names, each checked against its pinned sha256), replays the plan's basis once, feeds
 * the deduplicated records through the online face of `@ofs/features` with the pinned profile,
 * takes each anchor's snapshot when its partition reaches the anchor's `next_offset` (exclusive),
 * compares (`compareAnchors`) and writes the report write-once at
 * `{platform_run_id}/ofs/parity/{plan_id}.json`. Publishes no manifest.
 */
export async function runParityRebuild(
  plan: BuildPlan,
  intent: BuildIntent,
  deps: ParityDeps,
  options: AbortOptions = {},
): Promise<ParityRunResult> {
  const { signal } = options;
  const pinned = plan.parity_anchor;
  if (!pinned) {
    throw new OfsError('PARITY_ANCHOR_INVALID', {
      message: `plan ${plan.plan_id} of a parity_rebuild has no parity anchor`,
      details: { plan_id: plan.plan_id },
    });
  }
  const top = await readPinned(deps.store, pinned.ref, pinned.digest, options);
  const bundle = isObject(top) && top.schema_version === PARITY_ANCHOR_BUNDLE_SCHEMA_VERSION;
  const entries = bundle ? (pinned.anchor as unknown as ParityAnchorBundle).anchors : [{ ref: pinned.ref, sha256: pinned.digest }];
  const anchors: LoadedAnchor[] = [];
  for (const entry of entries) {
    const raw = bundle ? await readPinned(deps.store, entry.ref, entry.sha256, options) : top;
    const typed = typeParityAnchor(raw, intent, entry.ref);
    anchors.push(await loadAnchor(entry.ref, raw as Json, typed, plan, deps.store, options));
  }

  const profile = await deps.profiles.resolve(plan.feature_profile.feature_set_id, plan.feature_profile.feature_set_version, options);
  if (profile.digest !== plan.feature_profile.digest) {
    throw new OfsError('FEATURE_PROFILE_DRIFT', {
      message: `feature profile ${plan.feature_profile.feature_set_id}@${plan.feature_profile.feature_set_version} now has digest ${profile.digest}, the plan pins ${plan.feature_profile.digest}`,
      details: { plan_digest: plan.feature_profile.digest, profile_digest: profile.digest },
    });
  }
  const online = createOnlineFeatures(profile);

  // Snapshots due per partition, by next_offset.
  const sides: (RebuiltSide | undefined)[] = anchors.map((a) =>
    'uncheckable' in a.position ? { uncheckable: a.position.uncheckable } : undefined,
  );
  const due = new Map<string, number[]>();
  anchors.forEach((a, i) => {
    if ('uncheckable' in a.position) return;
    const id = `${a.position.topic}\u0000${a.position.partition}`;
    const list = due.get(id) ?? [];
    list.push(i);
    due.set(id, list);
  });
  for (const list of due.values())
    list.sort((x, y) => compareDecimal(nextOf(anchors[x] as LoadedAnchor), nextOf(anchors[y] as LoadedAnchor)));
  const take = (i: number) => {
    const a = anchors[i] as LoadedAnchor;
    const position = a.position as { topic: string; partition: number };
    const entity = a.claim.entity;
    if (!entity) {
      sides[i] = { uncheckable: 'the anchor names no entity' };
      return;
    }
    try {
      const rebuilt = online.snapshot({
        entity: entity.name,
        key: entity.key as string | number | boolean,
        topic: position.topic,
        partition: position.partition,
      });
      sides[i] = { rebuilt };
    } catch (error) {
      sides[i] = { uncheckable: error instanceof Error ? error.message : String(error) };
    }
  };

  const replay = resolveReplay(plan, { eb: deps.eb, archive: deps.archive, policy: deps.policy, store: deps.store }, options);
  const seen = new EventIdSet();
  try {
    for await (const r of replay.records) {
      throwIfAborted(signal);
      const id = `${r.topic}\u0000${r.partition}`;
      const list = due.get(id);
      while (list && list.length > 0 && compareDecimal(nextOf(anchors[list[0] as number] as LoadedAnchor), r.offset) <= 0)
        take(list.shift() as number);
      const outcome = seen.add(r.event_id, r.payload_hash);
      if (outcome === 'duplicate') continue;
      if (outcome === 'conflict') {
        throw new OfsError('REPLAY_EVENT_ID_CONFLICT', {
          message: `event ${r.event_id} was replayed again at ${r.topic}/${r.partition}@${r.offset} with another payload hash`,
          details: { event_id: r.event_id, topic: r.topic, partition: r.partition, offset: r.offset },
        });
      }
      online.update(r);
    }
  } catch (error) {
    replay.receipt.catch(() => undefined);
    throw toOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE', 'reading the replay stream');
  }
  for (const list of due.values()) while (list.length > 0) take(list.shift() as number);
  const receipt = await replay.receipt;
  const items = anchors.map((a, i) => {
    let side = sides[i] as RebuiltSide;
    if (receipt.status !== 'COMPLETE' && !('uncheckable' in side)) {
      side = { uncheckable: `the replay of the plan's basis is ${receipt.status}, so the rebuilt features may miss events` };
    }
    return { claim: a.claim, side };
  });
  const comparison = compareAnchors(items, online.profile);
  const report: ParityReport = {
    schema_version: PARITY_REPORT_SCHEMA_VERSION,
    plan_id: plan.plan_id,
    platform_run_id: plan.platform_run_id,
    basis_hash: plan.basis_hash,
    feature_profile: {
      feature_set_id: plan.feature_profile.feature_set_id,
      feature_set_version: plan.feature_profile.feature_set_version,
      digest: plan.feature_profile.digest,
    },
    anchor: { ref: pinned.ref, digest: pinned.digest, bundle },
    snapshot_recipe: FEATURE_SNAPSHOT_RECIPE,
    replay_status: receipt.status,
    verdict: comparison.verdict,
    totals: comparison.totals,
    anchors: comparison.verdicts,
    features: comparison.features,
  };
  const reportKey = parityReportKey(plan.platform_run_id, plan.plan_id);
  await writeOnceJson(deps.store, reportKey, report, options);
  return { reportKey, reportSha256: sha256Hex(canonicalJson(report)), report };
}

function nextOf(a: LoadedAnchor): string {
  return (a.position as { next: string }).next;
}

/** Reads a JSON object by store key and checks the sha256 of its bytes. */
async function readPinned(store: ObjectStore, key: string, sha256: string, options: AbortOptions): Promise<unknown> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await store.get(key, options);
  } catch (error) {
    throw toOfsError(error, 'STORE_UNAVAILABLE', `reading parity anchor ${key}`);
  }
  if (bytes === undefined)
    throw new OfsError('PARITY_ANCHOR_INVALID', { message: `parity anchor ${key} does not exist`, details: { ref: key } });
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw new OfsError('PARITY_ANCHOR_INVALID', {
      message: `parity anchor ${key} has sha256 ${actual}, the plan pins ${sha256}`,
      details: { ref: key, expected: sha256, actual },
    });
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new OfsError('PARITY_ANCHOR_INVALID', { message: `parity anchor ${key} is not JSON`, details: { ref: key } });
  }
}

/**
 * What an anchor claims: entity, feature values and recipe from an embedded `snapshot` object,
 * else from the object its `snapshot_ref` names in the store (when it resolves), else from the
 * anchor's own fields (`entity`, `features`, `snapshot_recipe`, `as_of`).
 */
async function loadAnchor(
  ref: string,
  raw: Json,
  typed: ParityAnchor,
  plan: BuildPlan,
  store: ObjectStore,
  options: AbortOptions,
): Promise<LoadedAnchor> {
  let source: Json = raw;
  if (isObject(raw.snapshot)) source = raw.snapshot;
  else if (typeof raw.snapshot_ref === 'string') {
    try {
      const bytes = await store.get(resolveRef(raw.snapshot_ref, plan.platform_run_id), options);
      const parsed = bytes === undefined ? undefined : (JSON.parse(new TextDecoder().decode(bytes)) as unknown);
      if (isObject(parsed)) source = parsed;
    } catch {
      // A snapshot_ref that does not resolve in the store is an external id: the anchor's own fields count.
    }
  }
  const entityRaw = isObject(source.entity) ? source.entity : isObject(raw.entity) ? raw.entity : undefined;
  const entity =
    entityRaw && typeof entityRaw.name === 'string' && entityRaw.key !== undefined
      ? { name: entityRaw.name, key: entityRaw.key }
      : undefined;
  const features = isObject(source.features) ? source.features : isObject(raw.features) ? raw.features : undefined;
  const recipe =
    typeof raw.snapshot_recipe === 'string' ? raw.snapshot_recipe : typeof source.recipe === 'string' ? source.recipe : undefined;
  const claim: AnchorClaim = {
    anchor_ref: ref,
    ...(typed.anchor_id === undefined ? {} : { anchor_id: typed.anchor_id }),
    snapshot_hash: typed.snapshot_hash,
    ...(recipe === undefined ? {} : { snapshot_recipe: recipe }),
    ...(entity === undefined ? {} : { entity }),
    ...(features === undefined ? {} : { features }),
  };

  // The anchor's positions (next offsets, exclusive) per partition.
  const positions =
    typed.basis.form === 'eb_offset_basis'
      ? typed.basis.offsets.map((o) => ({
          topic: (typed.basis as { stream: string }).stream,
          partition: o.partition,
          offsetKind: (typed.basis as { offset_kind: string }).offset_kind,
          next: o.next_offset,
        }))
      : typed.basis.slices.map((s) => ({
          topic: s.topic,
          partition: s.partition,
          offsetKind: s.offset_kind,
          next: (BigInt(s.end_offset) + 1n).toString(),
        }));
  const asOf = isObject(source.as_of) ? source.as_of : isObject(raw.as_of) ? raw.as_of : undefined;
  let chosen = positions.length === 1 ? positions[0] : undefined;
  if (asOf && typeof asOf.partition === 'number') {
    chosen = positions.find((p) => p.partition === asOf.partition && (typeof asOf.topic !== 'string' || asOf.topic === p.topic));
    if (!chosen) return { claim, position: { uncheckable: `the anchor's as_of partition ${String(asOf.partition)} is not in its basis` } };
  }
  if (!chosen) {
    return {
      claim,
      position: { uncheckable: `the anchor's basis spans ${positions.length} partitions and it names no as_of partition for its entity` },
    };
  }
  const slices = plan.replay_basis.filter((s) => s.topic === chosen.topic && s.partition === chosen.partition);
  const where = `${chosen.topic}/${chosen.partition}`;
  if (slices.length === 0) return { claim, position: { uncheckable: `basis not replayable: ${where} is not in the plan's replay basis` } };
  if (slices.some((s) => s.offset_kind !== chosen.offsetKind)) {
    return {
      claim,
      position: {
        uncheckable: `basis not replayable: ${where} is replayed as ${slices[0]?.offset_kind}, the anchor counts ${chosen.offsetKind}`,
      },
    };
  }
  const last = (BigInt(chosen.next) - 1n).toString();
  const start = slices.reduce(
    (m, s) => (compareDecimal(s.start_offset, m) < 0 ? s.start_offset : m),
    (slices[0] as { start_offset: string }).start_offset,
  );
  const end = slices.reduce(
    (m, s) => (compareDecimal(s.end_offset, m) > 0 ? s.end_offset : m),
    (slices[0] as { end_offset: string }).end_offset,
  );
  if (compareDecimal(chosen.next, start) <= 0) {
    return {
      claim,
      position: {
        uncheckable: `basis not replayable: the plan replays ${where} from ${start}, not before the anchor's next_offset ${chosen.next}`,
      },
    };
  }
  if (compareDecimal(last, end) > 0) {
    return {
      claim,
      position: {
        uncheckable: `basis not replayable: the plan replays ${where} up to ${end}, short of the anchor's next_offset ${chosen.next}`,
      },
    };
  }
  return { claim, position: chosen };
}
