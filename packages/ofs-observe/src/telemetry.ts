import {
  type Attributes,
  type Context,
  context,
  type Link,
  type Meter,
  type MeterProvider,
  metrics,
  type ObservableGauge,
  type Span,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { isOfsError, type OfsMetrics } from '@ofs/contracts';

/** Instrumentation scope name of the spans and metrics. */
export const INSTRUMENTATION_SCOPE = '@ofs/observe';

/** The correlation attributes every span of a build carries (once known). */
export const CORRELATION_ATTRIBUTES = [
  'run_key',
  'platform_run_id',
  'request_id',
  'plan_id',
  'dataset_manifest_id',
  'basis_hash',
  'policy_revision',
] as const;

/** Correlation identifiers of one build; set what you know, `annotate` the rest as stages learn it. */
export type BuildCorrelation = Partial<Record<(typeof CORRELATION_ATTRIBUTES)[number], string>>;

/** Where spans and metrics go. Without options the global providers are used: a no-op unless the host registered one. */
export interface TelemetryOptions {
  readonly tracerProvider?: TracerProvider;
}

function tracerOf(options?: TelemetryOptions): Tracer {
  return (options?.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
}

function onlyStrings(correlation: BuildCorrelation): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of CORRELATION_ATTRIBUTES) {
    const value = correlation[name];
    if (typeof value === 'string' && value.length > 0) out[name] = value;
  }
  return out;
}

function fail(span: Span, error: unknown): void {
  const code = isOfsError(error) ? error.code : 'INTERNAL_ERROR';
  span.setAttribute('error_code', code);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** One build's telemetry: its root span, its correlation attributes and its stage spans. */
export interface BuildTelemetry {
  /** The root span `ofs.dataset_build`; every stage span is its child (one trace per build). */
  readonly span: Span;
  /** The context whose active span is the root span. */
  readonly context: Context;
  /** Adds correlation attributes (e.g. `plan_id` after planning) to the root span and every later stage span. */
  annotate(correlation: BuildCorrelation): void;
  /** Runs `fn` inside a child span `ofs.stage.{stage}`; see `withStageSpan`. */
  stage<T>(stage: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T>;
}

/**
 * Runs one build inside a root span `ofs.dataset_build` (a new trace, linked to the span that was
 * active, if any) carrying the correlation attributes; `fn` gets a `BuildTelemetry` to open stage
 * spans and annotate identifiers as they become known. Failures set the span status to ERROR with
 * the `OfsError` code as `error_code`, and are rethrown unchanged.
 */
export async function withBuildSpan<T>(
  correlation: BuildCorrelation,
  fn: (build: BuildTelemetry) => Promise<T>,
  options?: TelemetryOptions,
): Promise<T> {
  const tracer = tracerOf(options);
  const known = onlyStrings(correlation);
  const parent = trace.getSpanContext(context.active());
  const links: Link[] = parent !== undefined && trace.isSpanContextValid(parent) ? [{ context: parent }] : [];
  const span = tracer.startSpan('ofs.dataset_build', { root: true, attributes: known, links });
  const build: BuildTelemetry = {
    span,
    context: trace.setSpan(context.active(), span),
    annotate(more) {
      const added = onlyStrings(more);
      Object.assign(known, added);
      span.setAttributes(added);
    },
    stage(stage, attributes, stageFn) {
      return runStage(tracer, build.context, stage, () => known, attributes, stageFn);
    },
  };
  try {
    const result = await context.with(build.context, () => fn(build));
    span.setStatus({ code: SpanStatusCode.OK });
    return result;
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.end();
  }
}

async function runStage<T>(
  tracer: Tracer,
  parent: Context,
  stage: string,
  correlation: () => Record<string, string>,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(`ofs.stage.${stage}`, { attributes: { ...correlation(), stage, ...attributes } }, parent);
  try {
    const result = await context.with(trace.setSpan(parent, span), () => fn(span));
    span.setStatus({ code: SpanStatusCode.OK });
    return result;
  } catch (error) {
    fail(span, error);
    throw error;
  } finally {
    span.setAttributes(correlation()); // identifiers learnt during the stage
    span.end();
  }
}

/** Options of `withStageSpan`. */
export interface StageSpanOptions extends TelemetryOptions {
  /** The build the stage belongs to; without it the active context's span is the parent. */
  readonly build?: BuildTelemetry;
}

/**
 * Runs `fn` inside a span `ofs.stage.{stage}` with attribute `stage`, the build's correlation
 * attributes and `attributes`; ends it OK, or ERROR with `error_code` when `fn` throws (rethrown
 * unchanged). With `options.build` the span is a child of that build's root span — no context
 * manager needed; otherwise its parent is the active span (needs a host context manager).
 */
export function withStageSpan<T>(
  stage: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  options?: StageSpanOptions,
): Promise<T> {
  if (options?.build !== undefined) return options.build.stage(stage, attributes, fn);
  return runStage(tracerOf(options), context.active(), stage, () => ({}), attributes, fn);
}

/** Options of `registerMetricGauges`. */
export interface MetricGaugeOptions {
  /** Default: the global meter provider (a no-op unless the host registered one). */
  readonly meterProvider?: MeterProvider;
}

type Scalar = (m: OfsMetrics) => number;
const SCALARS: Record<string, Scalar> = {
  'ofs.build.requested': (m) => m.build_requested,
  'ofs.build.completed': (m) => m.build_completed,
  'ofs.build.failed': (m) => m.build_failed,
  'ofs.datasets.built': (m) => m.datasets_built,
  'ofs.build.already_published': (m) => m.already_published,
  'ofs.build.publish_pending': (m) => m.publish_pending,
  'ofs.build.publish_retry_exhausted': (m) => m.publish_retry_exhausted,
  'ofs.build.cancelled': (m) => m.cancelled,
  'ofs.build.queued': (m) => m.queued,
  'ofs.build.running': (m) => m.running,
  'ofs.build.requeued': (m) => m.requeued,
  'ofs.replay.events_replayed': (m) => m.replay.events_replayed,
  'ofs.replay.from_archive': (m) => m.replay.from_archive,
  'ofs.replay.archive_used': (m) => m.replay.archive_used,
  'ofs.replay.gaps': (m) => m.replay.gaps,
  'ofs.replay.mismatches': (m) => m.replay.mismatches,
  'ofs.labels.coverage_min': (m) => m.labels.coverage_min ?? 1,
  'ofs.datasets.rows': (m) => m.datasets.rows_total,
  'ofs.evidence_refs.denied': (m) => m.evidence_refs.denied,
  'ofs.anomalies': (m) => m.anomalies.total,
};

/**
 * Publishes the reducer's metrics as OpenTelemetry observable gauges (`ofs.build.requested`, …,
 * plus `ofs.build.failed_by_code` and `ofs.anomalies.by_code` with a bounded `error_code`
 * attribute). `source` is called at each collection and may return `undefined` when no snapshot
 * exists yet. Returns a function that unregisters the callback.
 */
export function registerMetricGauges(source: () => OfsMetrics | undefined, options?: MetricGaugeOptions): () => void {
  const meter: Meter = (options?.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE);
  const gauges = new Map<string, ObservableGauge>();
  for (const name of Object.keys(SCALARS)) gauges.set(name, meter.createObservableGauge(name));
  const failedByCode = meter.createObservableGauge('ofs.build.failed_by_code');
  const anomaliesByCode = meter.createObservableGauge('ofs.anomalies.by_code');
  const callback = (result: { observe(gauge: ObservableGauge, value: number, attributes?: Attributes): void }): void => {
    const snapshot = source();
    if (snapshot === undefined) return;
    for (const [name, value] of Object.entries(SCALARS)) result.observe(gauges.get(name)!, value(snapshot));
    for (const [code, n] of Object.entries(snapshot.build_failed_by_code)) result.observe(failedByCode, n, { error_code: code });
    for (const [code, n] of Object.entries(snapshot.anomalies.by_code)) result.observe(anomaliesByCode, n, { error_code: code });
  };
  const instruments = [...gauges.values(), failedByCode, anomaliesByCode];
  meter.addBatchObservableCallback(callback, instruments);
  return () => meter.removeBatchObservableCallback(callback, instruments);
}
