import { OfsError } from '@ofs/contracts';
import { SpanStatusCode } from '@opentelemetry/api';
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { reduceMetrics } from './metrics.js';
import { registerMetricGauges, withBuildSpan, withStageSpan } from './telemetry.js';
import { failedRun } from './test-fixtures.js';

function tracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracerProvider };
}

async function build(requestId: string, tracerProvider: BasicTracerProvider, failAt?: string) {
  return withBuildSpan(
    { request_id: requestId, run_key: `rk_${requestId}`, policy_revision: 'r1' },
    async (b) => {
      await b.stage('plan', { slices: 2 }, async () => {
        b.annotate({ plan_id: `plan_${requestId}`, basis_hash: `bh_${requestId}`, dataset_manifest_id: `dm_${requestId}` });
      });
      for (const stage of ['replay', 'labels', 'publish']) {
        await withStageSpan(
          stage,
          {},
          async () => {
            if (stage === failAt) throw new OfsError('REPLAY_INCOMPLETE');
          },
          { build: b },
        );
      }
    },
    { tracerProvider },
  );
}

describe('OpenTelemetry spans', () => {
  it('makes one trace per build whose spans all carry the correlation attributes', async () => {
    const { exporter, tracerProvider } = tracing();
    await build('req.one', tracerProvider);
    await build('req.two', tracerProvider);
    const spans = exporter.getFinishedSpans();
    const traces = new Map<string, typeof spans>();
    for (const s of spans) traces.set(s.spanContext().traceId, [...(traces.get(s.spanContext().traceId) ?? []), s]);
    expect(traces.size).toBe(2);
    for (const [, trace] of traces) {
      expect(trace.map((s) => s.name).sort()).toEqual([
        'ofs.dataset_build',
        'ofs.stage.labels',
        'ofs.stage.plan',
        'ofs.stage.publish',
        'ofs.stage.replay',
      ]);
      const root = trace.find((s) => s.name === 'ofs.dataset_build')!;
      const requestId = root.attributes.request_id as string;
      for (const s of trace) {
        expect(s.attributes).toMatchObject({
          request_id: requestId,
          plan_id: `plan_${requestId}`,
          dataset_manifest_id: `dm_${requestId}`,
          basis_hash: `bh_${requestId}`,
          policy_revision: 'r1',
        });
        if (s !== root) expect(s.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      }
    }
  });

  it('marks the failing stage and the build as errors with the OfsError code, and rethrows', async () => {
    const { exporter, tracerProvider } = tracing();
    await expect(build('req.bad', tracerProvider, 'replay')).rejects.toSatisfy(
      (e) => e instanceof OfsError && e.code === 'REPLAY_INCOMPLETE',
    );
    const spans = exporter.getFinishedSpans();
    const replay = spans.find((s) => s.name === 'ofs.stage.replay')!;
    const root = spans.find((s) => s.name === 'ofs.dataset_build')!;
    for (const s of [replay, root]) {
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.attributes.error_code).toBe('REPLAY_INCOMPLETE');
    }
    expect(spans.some((s) => s.name === 'ofs.stage.labels')).toBe(false);
  });

  it('is a no-op without a registered provider', async () => {
    await expect(withBuildSpan({ request_id: 'r' }, async (b) => b.stage('plan', {}, async () => 7))).resolves.toBe(7);
  });
});

describe('OpenTelemetry metrics', () => {
  it('exposes the reducer metrics as gauges with bounded error-code attributes', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const { run, events } = failedRun('f', 'REPLAY_BASIS_MISMATCH');
    const snapshot = reduceMetrics({ runs: [run], events });
    const unregister = registerMetricGauges(() => snapshot, { meterProvider });
    const { resourceMetrics } = await reader.collect();
    const points = new Map<string, { value: unknown; attributes: Record<string, unknown> }[]>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics)
        points.set(
          metric.descriptor.name,
          metric.dataPoints.map((p) => ({ value: p.value, attributes: p.attributes })),
        );
    }
    expect(points.get('ofs.build.requested')).toEqual([{ value: 1, attributes: {} }]);
    expect(points.get('ofs.build.failed')).toEqual([{ value: 1, attributes: {} }]);
    expect(points.get('ofs.build.failed_by_code')).toEqual([{ value: 1, attributes: { error_code: 'REPLAY_BASIS_MISMATCH' } }]);
    unregister();
    await meterProvider.shutdown();
  });
});
