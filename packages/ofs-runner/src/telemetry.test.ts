import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { memoryWorld } from './test-support/memory-world.js';

describe('OpenTelemetry: the corridor traces every build', () => {
  it('emits one trace per build, a child span per stage, all with the correlation attributes', async () => {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const world = await memoryWorld({ tracerProvider });
    const first = await world.corridor.submit(world.intent());
    const done = await world.corridor.runBuild(first.run.run_key);
    const second = await world.corridor.submit(world.intent({ request_id: 'test.build.0002.same-meaning' }));
    await world.corridor.runBuild(second.run.run_key);

    const spans = exporter.getFinishedSpans();
    const roots = spans.filter((s) => s.name === 'ofs.dataset_build');
    expect(roots).toHaveLength(2);
    const traces = new Set(spans.map((s) => s.spanContext().traceId));
    expect(traces.size).toBe(2);

    const firstTrace = roots.find((s) => s.attributes.request_id === first.run.request_id)!.spanContext().traceId;
    const stages = spans.filter((s) => s.spanContext().traceId === firstTrace && s.name.startsWith('ofs.stage.')).map((s) => s.name);
    expect(stages).toEqual([
      'ofs.stage.config',
      'ofs.stage.plan',
      'ofs.stage.preflight',
      'ofs.stage.replay',
      'ofs.stage.reconstruct',
      'ofs.stage.publish',
    ]);

    const manifestId = done
      .manifest_key!.split('/')
      .pop()!
      .replace(/\.json$/, '');
    for (const span of spans.filter((s) => s.spanContext().traceId === firstTrace && s.name !== 'ofs.stage.config')) {
      expect(span.attributes).toMatchObject({
        request_id: first.run.request_id,
        plan_id: done.plan_id,
        dataset_manifest_id: manifestId,
        policy_revision: world.policy.revision,
      });
      expect(span.attributes.basis_hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
