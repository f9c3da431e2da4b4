import type { BuildPlan, DatasetManifestV1, LabelReceipt, ReplayReceipt, ReplaySlice, RunEvent, RunRecord } from '@ofs/contracts';
import { sha256Hex } from '@ofs/ids';

/** The OpenLineage spec version the events follow. */
export const OPENLINEAGE_SPEC_VERSION = '2-0-2';
const RUN_EVENT_SCHEMA = `https://openlineage.io/spec/${OPENLINEAGE_SPEC_VERSION}/OpenLineage.json#/$defs/RunEvent`;
const FACET_SCHEMAS = {
  jobType: 'https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet',
  processing_engine: 'https://openlineage.io/spec/facets/1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet',
  errorMessage: 'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  version: 'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  inputStatistics: 'https://openlineage.io/spec/facets/1-0-0/InputStatisticsInputDatasetFacet.json#/$defs/InputStatisticsInputDatasetFacet',
  outputStatistics:
    'https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet',
} as const;

/** The job name of every dataset build. */
export const OPENLINEAGE_JOB_NAME = 'ofs.dataset_build';

/** Namespaces and producer of the emitted events. */
export interface OpenLineageOptions {
  /** Namespace of the job (default `ofs`). */
  readonly jobNamespace?: string;
  /** Namespace of replayed topic partitions, e.g. `kafka://broker:9092` (default `ofs-eb`). */
  readonly sourceNamespace?: string;
  /** Namespace of the label store (default `ofs-label-store`). */
  readonly labelStoreNamespace?: string;
  /** Name of the label store dataset (default `labels`). */
  readonly labelStoreName?: string;
  /** Namespace of published datasets, e.g. `s3://bucket` (default `ofs`). */
  readonly datasetNamespace?: string;
  /** URI of the producer (default: this package's repository URL). */
  readonly producer?: string;
  /** Base URI of the custom `ofs_*` facet schemas (default under the producer's repository). */
  readonly customFacetSchemaBase?: string;
}

/** What one run's lineage is built from: its ledger record and events, and whatever it stored. */
export interface LineageInput {
  readonly run: RunRecord;
  readonly events: readonly RunEvent[];
  readonly plan?: BuildPlan;
  readonly replayReceipt?: ReplayReceipt;
  readonly labelReceipt?: LabelReceipt;
  readonly manifest?: DatasetManifestV1;
}

/** An OpenLineage dataset (input or output) as emitted. */
export interface OpenLineageDataset {
  namespace: string;
  name: string;
  facets?: Record<string, Record<string, unknown>>;
  inputFacets?: Record<string, Record<string, unknown>>;
  outputFacets?: Record<string, Record<string, unknown>>;
}

/** An OpenLineage run event (spec 2-0-2). */
export interface OpenLineageRunEvent {
  eventType: 'START' | 'COMPLETE' | 'FAIL' | 'ABORT';
  eventTime: string;
  producer: string;
  schemaURL: string;
  run: { runId: string; facets: Record<string, Record<string, unknown>> };
  job: { namespace: string; name: string; facets: Record<string, Record<string, unknown>> };
  inputs: OpenLineageDataset[];
  outputs: OpenLineageDataset[];
}

const DEFAULT_PRODUCER = 'https://example.invalid/ofs-corridor/tree/main/packages/ofs-observe';

/**
 * The run id of a run's lineage: a UUIDv7 whose time is the run's submission and whose random
 * bits are sha256 of the run key, so the same run always gets the same id.
 */
export function openLineageRunId(run: Pick<RunRecord, 'run_key' | 'created_at_ms'>): string {
  const hash = sha256Hex(`ofs.openlineage_run_id.v1|${run.run_key}`);
  const time = Math.max(0, Math.floor(run.created_at_ms)).toString(16).padStart(12, '0').slice(-12);
  const variant = ((Number.parseInt(hash[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${hash.slice(0, 3)}-${variant}${hash.slice(3, 6)}-${hash.slice(6, 18)}`;
}

function facet(producer: string, schemaURL: string, body: Record<string, unknown>): Record<string, unknown> {
  return { _producer: producer, _schemaURL: schemaURL, ...body };
}

function basisOf(input: LineageInput): ReplaySlice[] {
  if (input.plan !== undefined) return input.plan.replay_basis;
  const basis = input.run.intent.replay_basis;
  return Array.isArray(basis) ? (basis as ReplaySlice[]) : [];
}

/**
 * The OpenLineage run events of one ledger run: `START` at its first claim, then `COMPLETE`
 * (`DONE`), `FAIL` (`FAILED`) or `ABORT` (`CANCELLED`) at its terminal move; nothing for a run never
 * claimed. Job `ofs.dataset_build`. Inputs: one dataset per replayed topic partition (name
 * `{topic}/{partition}`) with its offset range (version facet `{offset_kind}:{start}-{end}` and an
 * `ofs_offsetRange` facet) and, with a replay receipt, the records read; and the label store, whose
 * version facet is the receipt's state marker. Output (on `COMPLETE` with a manifest): the dataset
 * named by its manifest key, with the schema, version (`dataset_manifest_id`) and output statistics
 * facets. Event times come from the ledger, so the events are reproducible.
 */
export function toOpenLineageEvents(input: LineageInput, options: OpenLineageOptions = {}): OpenLineageRunEvent[] {
  const { run } = input;
  const events = [...input.events].filter((e) => e.run_key === run.run_key).sort((a, b) => a.seq - b.seq);
  const start = events.find((e) => e.type === 'CLAIMED');
  if (start === undefined) return [];
  const producer = options.producer ?? DEFAULT_PRODUCER;
  const customBase = options.customFacetSchemaBase ?? 'https://example.invalid/ofs-corridor/spec/facets';
  const runId = openLineageRunId(run);
  const terminal = events.find((e) => e.type === 'COMPLETED' || e.type === 'FAILED' || e.type === 'CANCELLED');

  const job = {
    namespace: options.jobNamespace ?? 'ofs',
    name: OPENLINEAGE_JOB_NAME,
    facets: { jobType: facet(producer, FACET_SCHEMAS.jobType, { processingType: 'BATCH', integration: 'OFS', jobType: 'JOB' }) },
  };
  const correlation = {
    run_key: run.run_key,
    request_id: run.request_id,
    platform_run_id: run.platform_run_id,
    intent_kind: run.intent_kind,
    ...(run.plan_id === null ? {} : { plan_id: run.plan_id }),
    ...(input.plan === undefined ? {} : { basis_hash: input.plan.basis_hash, policy_revision: input.plan.policy.revision }),
    ...(input.manifest === undefined ? {} : { dataset_manifest_id: input.manifest.dataset_manifest_id }),
  };
  const release = typeof run.intent.ofs_code_release_id === 'string' ? run.intent.ofs_code_release_id : 'unknown';
  const runFacets = (): Record<string, Record<string, unknown>> => ({
    processing_engine: facet(producer, FACET_SCHEMAS.processing_engine, { name: 'ofs-corridor', version: release }),
    ofs_run: facet(producer, `${customBase}/OfsRunFacet.json`, correlation),
  });

  const inputs = (full: boolean): OpenLineageDataset[] => {
    const sourceNamespace = options.sourceNamespace ?? 'ofs-eb';
    const slices = basisOf(input).map((slice) => {
      const received = full ? input.replayReceipt?.slices.find((s) => sameSlice(s, slice)) : undefined;
      const dataset: OpenLineageDataset = {
        namespace: sourceNamespace,
        name: `${slice.topic}/${slice.partition}`,
        facets: {
          version: facet(producer, FACET_SCHEMAS.version, {
            datasetVersion: `${slice.offset_kind}:${slice.start_offset}-${slice.end_offset}`,
          }),
          ofs_offsetRange: facet(producer, `${customBase}/OfsOffsetRangeDatasetFacet.json`, {
            topic: slice.topic,
            partition: slice.partition,
            offset_kind: slice.offset_kind,
            start_offset: slice.start_offset,
            end_offset: slice.end_offset,
            ...(received === undefined
              ? {}
              : {
                  status: received.status,
                  mode: received.mode,
                  cutover_offset: received.cutover_offset,
                  missing_offsets: received.missing_offsets,
                }),
          }),
        },
      };
      if (received !== undefined) {
        dataset.inputFacets = { inputStatistics: facet(producer, FACET_SCHEMAS.inputStatistics, { rowCount: received.counts.records }) };
      }
      return dataset;
    });
    const labels: OpenLineageDataset = {
      namespace: options.labelStoreNamespace ?? 'ofs-label-store',
      name: options.labelStoreName ?? 'labels',
    };
    const receipt = full ? input.labelReceipt : undefined;
    if (receipt !== undefined) {
      labels.facets = {
        version: facet(producer, FACET_SCHEMAS.version, { datasetVersion: receipt.store_state_marker }),
        ofs_labelBasis: facet(producer, `${customBase}/OfsLabelBasisDatasetFacet.json`, {
          label_asof_utc: receipt.label_asof_utc,
          posture: receipt.posture,
          label_types: receipt.label_types,
          coverage: receipt.coverage,
          status: receipt.status,
        }),
      };
      labels.inputFacets = { inputStatistics: facet(producer, FACET_SCHEMAS.inputStatistics, { rowCount: receipt.counts.subjects }) };
    }
    return [...slices, labels];
  };

  const base = (eventType: OpenLineageRunEvent['eventType'], at: RunEvent, full: boolean): OpenLineageRunEvent => ({
    eventType,
    eventTime: new Date(at.at_ms).toISOString(),
    producer,
    schemaURL: RUN_EVENT_SCHEMA,
    run: { runId, facets: runFacets() },
    job,
    inputs: inputs(full),
    outputs: [],
  });

  const out: OpenLineageRunEvent[] = [base('START', start, false)];
  if (terminal === undefined) return out;
  if (terminal.type === 'COMPLETED') {
    const event = base('COMPLETE', terminal, true);
    const manifest = input.manifest;
    if (manifest !== undefined) {
      event.outputs.push({
        namespace: options.datasetNamespace ?? 'ofs',
        name: run.manifest_key ?? `${manifest.platform_run_id}/ofs/manifests/${manifest.dataset_manifest_id}.json`,
        facets: {
          schema: facet(producer, FACET_SCHEMAS.schema, {
            fields: manifest.columns.map((c) => ({
              name: c.name,
              type: c.type,
              ...(c.description === undefined ? {} : { description: c.description }),
            })),
          }),
          version: facet(producer, FACET_SCHEMAS.version, { datasetVersion: manifest.dataset_manifest_id }),
        },
        outputFacets: {
          outputStatistics: facet(producer, FACET_SCHEMAS.outputStatistics, {
            rowCount: manifest.rows_total,
            size: manifest.bytes_total,
            fileCount: manifest.parts.length,
          }),
        },
      });
    }
    out.push(event);
  } else if (terminal.type === 'FAILED') {
    const event = base('FAIL', terminal, true);
    const error = run.last_error;
    const code = error?.code ?? (typeof terminal.details.error_code === 'string' ? terminal.details.error_code : 'INTERNAL_ERROR');
    event.run.facets.errorMessage = facet(producer, FACET_SCHEMAS.errorMessage, {
      message: `${code}: ${error?.message ?? 'the run failed'}`,
      programmingLanguage: 'TypeScript',
    });
    out.push(event);
  } else {
    out.push(base('ABORT', terminal, true));
  }
  return out;
}

function sameSlice(
  a: { topic: string; partition: number; offset_kind: string; start_offset: string; end_offset: string },
  b: ReplaySlice,
): boolean {
  return (
    a.topic === b.topic &&
    a.partition === b.partition &&
    a.offset_kind === b.offset_kind &&
    a.start_offset === b.start_offset &&
    a.end_offset === b.end_offset
  );
}
