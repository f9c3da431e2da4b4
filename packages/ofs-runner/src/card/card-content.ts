import {
  type AbortOptions,
  type DatasetManifest,
  DatasetStatsSchema,
  type DraftReceipt,
  type ObjectStore,
  OfsError,
  schemaChecker,
} from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';
import {
  type DatasetStats,
  DatasetStatsAccumulator,
  LABEL_DELAY_BINS,
  type LabelDelayCounts,
  loadPublishInputs,
  readDataset,
  readManifest,
} from '@ofs/publish';

/** Schema version of the card's data form (`ofs card --json`). */
export const DATASET_CARD_SCHEMA_VERSION = 'learning.ofs_dataset_card.v1';

/** Replay coverage of one partition: offsets read from the Archive, then from the EB. */
export interface CardPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset_kind: string;
  readonly start_offset: string;
  readonly end_offset: string;
  readonly mode: string;
  readonly status: string;
  readonly cutover_offset: string | null;
  readonly archive: readonly { start: string; end: string }[];
  readonly eb: readonly { start: string; end: string }[];
  readonly missing: readonly { start: string; end: string }[];
  readonly records: number;
  readonly from_archive: number;
  readonly from_eb: number;
  readonly rows: number;
  readonly duplicates_dropped: number;
}

/**
 * Everything a dataset card shows, as data: identity and pins, status and gates, replay coverage
 * per partition, label outcomes (totals, per type, per event day), conflicts, the statistics of
 * the rows (features), and the parts. Holds no timestamps or local paths, so the same dataset
 * gives the same document (and the same HTML) wherever it is rendered.
 */
export interface DatasetCard {
  readonly schema_version: typeof DATASET_CARD_SCHEMA_VERSION;
  readonly manifest_key: string;
  readonly identity: {
    readonly dataset_manifest_id: string;
    readonly dataset_fingerprint: string;
    readonly plan_id: string;
    readonly platform_run_id: string;
    readonly intent_kind: string;
    readonly basis_hash: string;
    readonly rows_digest: string;
  };
  readonly pins: {
    readonly feature_set: string;
    readonly feature_profile: { readonly ref: string; readonly digest: string };
    readonly policy_revision: string;
    readonly policy_digest: string;
    readonly code_release: string;
    readonly config_revision: string;
    readonly label_asof_utc: string;
    readonly label_store_state_marker: string;
  };
  readonly status: {
    readonly status_class: string;
    readonly training_posture: string;
    readonly replay_status: string;
    readonly label_status: string;
    readonly label_reasons: readonly string[];
    readonly gates: readonly { name: string; value: number; threshold: number; op: '>=' | '<='; pass: boolean }[];
  };
  readonly replay: {
    readonly totals: { records: number; from_archive: number; from_eb: number; duplicates: number; mismatches: number };
    readonly partitions: readonly CardPartition[];
  };
  readonly labels: {
    readonly posture: string;
    readonly resolution_rule: string;
    readonly maturity_days: number | null;
    readonly maturity_cutoff_utc: string | null;
    readonly coverage: number;
    readonly conflict_ratio: number;
    readonly subjects: number;
    readonly mature: number;
    readonly immature: number;
    readonly conflicts: number;
    readonly by_type: Readonly<
      Record<
        string,
        { labelled: number; conflict: number; unlabelled: number; coverage: number; values: readonly { value: unknown; count: number }[] }
      >
    >;
    /**
     * The label delay distribution (`observed_time − effective_time` of the assertion that
     * resolved each LABELLED label of a row) per label type, in the fixed bins `bins` (D114);
     * `null` when the statistics hold none (built before label delays, or computed from rows).
     */
    readonly delays: { readonly bins: readonly string[]; readonly by_type: Readonly<Record<string, LabelDelayCounts>> } | null;
  };
  readonly reconstruction: { readonly duplicates_dropped: number; readonly row_events: number; readonly rows: number };
  /** Statistics of the rows (see `DatasetStats`). */
  readonly stats: DatasetStats;
  /** `build`: the statistics the draft cites; `rows`: computed from the rows (drafts without statistics). */
  readonly stats_source: 'build' | 'rows';
  readonly parts: readonly { key: string; rows: number; bytes: number; sha256: string }[];
  readonly rows_total: number;
  readonly bytes_total: number;
}

/** Where `buildDatasetCard` reads: the object store the manifest is in. */
export interface DatasetCardDeps extends AbortOptions {
  readonly store: ObjectStore;
}

/** Statistics of a dataset computed by reading its rows (each part digest and the rows digest are checked while reading). */
export async function statsFromRows(manifestKey: string, manifest: DatasetManifest, deps: DatasetCardDeps): Promise<DatasetStats> {
  const acc = new DatasetStatsAccumulator(manifest.columns, manifest.label_basis.label_types);
  for await (const row of readDataset(manifestKey, deps)) acc.add(row);
  return acc.result();
}

const STATS_CHECKER = schemaChecker(DatasetStatsSchema);

/**
 * The statistics of a dataset: the build statistics its draft cites (their sha256 checked against
 * the draft's reference), or, for drafts written before statistics existed, computed from its rows.
 */
export async function datasetStats(
  manifestKey: string,
  manifest: DatasetManifest,
  draft: DraftReceipt,
  deps: DatasetCardDeps,
): Promise<{ stats: DatasetStats; source: 'build' | 'rows' }> {
  if (!draft.stats) return { stats: await statsFromRows(manifestKey, manifest, deps), source: 'rows' };
  const bytes = await deps.store.get(draft.stats.key, deps.signal ? { signal: deps.signal } : {});
  const actual = bytes === undefined ? 'missing' : sha256Hex(bytes);
  if (bytes === undefined || actual !== draft.stats.sha256) {
    throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
      message: `the statistics ${draft.stats.key} the draft cites ${bytes === undefined ? 'do not exist' : `hash to ${actual}, the draft records ${draft.stats.sha256}`}`,
      details: { differences: [{ check: 'evidence.stats.sha256', key: draft.stats.key, message: 'statistics digest differs' }] },
    });
  }
  const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
  if (!STATS_CHECKER.check(value)) {
    throw new OfsError('DATASET_INTEGRITY_VIOLATION', {
      message: `the statistics ${draft.stats.key} do not match the learning.ofs_dataset_stats.v1 schema`,
      details: { differences: [{ check: 'evidence.stats.schema', key: draft.stats.key, message: 'schema mismatch' }] },
    });
  }
  return { stats: value as DatasetStats, source: 'build' };
}

/**
 * Builds the card of a published dataset from its manifest and the receipts it cites (each
 * loaded through `loadPublishInputs`, which checks the digests the manifest records).
 */
export async function buildDatasetCard(manifestKey: string, deps: DatasetCardDeps): Promise<DatasetCard> {
  const options = deps.signal ? { signal: deps.signal } : {};
  const m = await readManifest(manifestKey, deps);
  const stored = await loadPublishInputs(
    deps.store,
    { platform_run_id: m.platform_run_id, plan_id: m.plan_id },
    {
      replayReceipt: m.evidence.replay_receipt.sha256,
      labelReceipt: m.evidence.label_receipt.sha256,
      draft: m.evidence.draft_receipt.sha256,
    },
    options,
  );
  const replay = stored.replayReceipt;
  const labels = stored.labelReceipt;
  const draft = stored.draft;
  const { stats, source: statsSource } = await datasetStats(manifestKey, m, draft, deps);
  const minCoverage = labels.policy.min_coverage_by_label_type ?? {};
  const gates: DatasetCard['status']['gates'][number][] = [
    { name: 'replay complete', value: replay.status === 'COMPLETE' ? 1 : 0, threshold: 1, op: '>=', pass: replay.status === 'COMPLETE' },
  ];
  for (const t of [...labels.label_types].sort()) {
    const threshold = minCoverage[t] ?? labels.policy.min_label_coverage;
    const value = labels.coverage_by_type[t] ?? 0;
    gates.push({ name: `label coverage ${t}`, value, threshold, op: '>=', pass: value >= threshold });
    const conflict = labels.conflict_ratio_by_type[t] ?? 0;
    gates.push({
      name: `conflict ratio ${t}`,
      value: conflict,
      threshold: labels.policy.max_conflict_ratio,
      op: '<=',
      pass: conflict <= labels.policy.max_conflict_ratio,
    });
  }
  const byType: Record<string, DatasetCard['labels']['by_type'][string]> = {};
  for (const t of [...labels.label_types].sort()) {
    const c = labels.counts.by_type[t];
    byType[t] = {
      labelled: c?.labelled ?? 0,
      conflict: c?.conflict ?? 0,
      unlabelled: c?.unlabelled ?? 0,
      coverage: labels.coverage_by_type[t] ?? 0,
      values: c?.values ?? [],
    };
  }
  const draftSlices = new Map(draft.slices.map((s) => [`${s.topic}\n${s.partition}\n${s.offset_kind}`, s]));
  return {
    schema_version: DATASET_CARD_SCHEMA_VERSION,
    manifest_key: manifestKey,
    identity: {
      dataset_manifest_id: m.dataset_manifest_id,
      dataset_fingerprint: m.dataset_fingerprint,
      plan_id: m.plan_id,
      platform_run_id: m.platform_run_id,
      intent_kind: m.intent_kind,
      basis_hash: m.basis_hash,
      rows_digest: m.rows_digest,
    },
    pins: {
      feature_set: `${draft.feature_profile.feature_set_id}@${draft.feature_profile.feature_set_version}`,
      feature_profile: m.feature_profile,
      policy_revision: m.provenance.policy_revision,
      policy_digest: m.provenance.policy_digest,
      code_release: m.provenance.ofs_code_release_id,
      config_revision: m.provenance.config_revision,
      label_asof_utc: labels.label_asof_utc,
      label_store_state_marker: labels.store_state_marker,
    },
    status: {
      status_class: m.status_class,
      training_posture: m.training_posture,
      replay_status: m.replay_status,
      label_status: m.label_status,
      label_reasons: labels.reasons,
      gates,
    },
    replay: {
      totals: {
        records: replay.totals.records,
        from_archive: replay.totals.from_archive,
        from_eb: replay.totals.from_eb,
        duplicates: replay.totals.duplicates,
        mismatches: replay.totals.mismatches,
      },
      partitions: replay.slices.map((s) => {
        const d = draftSlices.get(`${s.topic}\n${s.partition}\n${s.offset_kind}`);
        return {
          topic: s.topic,
          partition: s.partition,
          offset_kind: s.offset_kind,
          start_offset: s.start_offset,
          end_offset: s.end_offset,
          mode: s.mode,
          status: s.status,
          cutover_offset: s.cutover_offset,
          archive: s.selected.archive,
          eb: s.selected.eb,
          missing: s.missing,
          records: s.counts.records,
          from_archive: s.counts.from_archive,
          from_eb: s.counts.from_eb,
          rows: d?.rows ?? 0,
          duplicates_dropped: d?.duplicates_dropped ?? 0,
        };
      }),
    },
    labels: {
      posture: labels.posture,
      resolution_rule: labels.resolution_rule,
      maturity_days: labels.maturity_days,
      maturity_cutoff_utc: labels.maturity_cutoff_utc,
      coverage: labels.coverage,
      conflict_ratio: labels.conflict_ratio,
      subjects: labels.counts.subjects,
      mature: labels.counts.mature,
      immature: labels.counts.immature,
      conflicts: labels.counts.conflicts,
      by_type: byType,
      delays: stats.label_delays ? { bins: [...LABEL_DELAY_BINS], by_type: stats.label_delays.by_type } : null,
    },
    reconstruction: { duplicates_dropped: draft.totals.duplicates_dropped, row_events: draft.totals.row_events, rows: draft.totals.rows },
    stats,
    stats_source: statsSource,
    parts: m.parts.map((p) => ({ key: p.key, rows: p.rows, bytes: p.bytes, sha256: p.sha256 })),
    rows_total: m.rows_total,
    bytes_total: m.bytes_total,
  };
}
