import { createMemoryObjectStore } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { printable, renderReport } from './render.js';
import { buildReport } from './report.js';
import { failedRun, PLATFORM_RUN, publishedRun, runRecord } from './test-fixtures.js';

describe('buildReport / renderReport', () => {
  it('reports a GREEN run whose counts match its manifest', async () => {
    const store = createMemoryObjectStore();
    const a = await publishedRun(store, 'a', {
      rows: 321,
      evidenceRefs: [{ actor: 'w1', ref: `${PLATFORM_RUN}/sr/run_facts_view.json`, purpose: 'run_facts', outcome: 'RESOLVED' }],
    });
    const report = await buildReport({ runs: [a.run], events: a.events, store, platformRunId: PLATFORM_RUN });
    expect(report.health).toEqual({ state: 'GREEN', reasons: [] });
    expect(report.metrics).toMatchObject({ build_requested: 1, build_completed: 1, datasets_built: 1 });
    expect(report.datasets).toEqual([
      expect.objectContaining({
        manifest_key: a.run.manifest_key,
        rows_total: a.manifest.rows_total,
        parts: 1,
        status_class: 'COMPLETE_SUCCESS',
        run_keys: [a.run.run_key],
      }),
    ]);
    expect(report.metrics.replay.events_replayed).toBe(321);
    const text = renderReport(report);
    expect(text).toContain('health: GREEN');
    expect(text).toContain('datasets built 1');
    expect(text).toContain(`${a.manifest.dataset_manifest_id} COMPLETE_SUCCESS TRAINING: 321 rows in 1 parts`);
    expect(text).toContain('evidence refs: 1 attempted · 1 resolved · 0 denied');
  });

  it('lists recent failures and evidence-ref denials, newest first, printable', async () => {
    const store = createMemoryObjectStore();
    const denied = failedRun('d', 'REF_SCOPE_MISMATCH', 'plan', [
      [
        'EVIDENCE_REF',
        'RUNNING',
        { actor: 'w1', ref: 'platform_run_b/sr/facts.json\u001b[31m', purpose: 'run_facts', outcome: 'REF_SCOPE_MISMATCH' },
      ],
    ]);
    const older = failedRun('o', 'NO_PASS_NO_READ', 'plan');
    const olderRun = { ...older.run, updated_at_ms: older.run.updated_at_ms - 60_000 };
    const other = runRecord('x', {
      platform_run_id: 'platform_run_b',
      state: 'FAILED',
      last_error: { code: 'INTERNAL_ERROR', message: 'elsewhere', retryable: false },
    });
    const report = await buildReport({
      runs: [olderRun, denied.run, other],
      events: [...denied.events, ...older.events],
      store,
      platformRunId: PLATFORM_RUN,
    });
    expect(report.health.state).toBe('RED');
    expect(report.recent_failures.map((f) => f.error_code)).toEqual(['REF_SCOPE_MISMATCH', 'NO_PASS_NO_READ']);
    expect(report.evidence_denials).toEqual([
      expect.objectContaining({ run_key: denied.run.run_key, outcome: 'REF_SCOPE_MISMATCH', purpose: 'run_facts', actor: 'w1' }),
    ]);
    const text = renderReport(report);
    expect(text).toContain('health: RED');
    expect(text).toContain('RED FAILED_RUNS: 2 runs failed (threshold 1)');
    expect(text).toContain('evidence-ref denials:');
    expect(text).toContain('REF_SCOPE_MISMATCH run_facts platform_run_b/sr/facts.json\\u001b[31m by w1');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('elsewhere');
  });

  it('reads through a ledger port as well', async () => {
    const store = createMemoryObjectStore();
    const a = await publishedRun(store, 'a');
    const ledger = { list: async () => [a.run], events: async () => a.events };
    const report = await buildReport({ ledger, store });
    expect(report.platform_run_id).toBeNull();
    expect(report.metrics.datasets_built).toBe(1);
  });

  it('escapes control characters and bounds long strings', () => {
    expect(printable('a\nb\u0000')).toBe('a\\u000ab\\u0000');
    expect(printable('x'.repeat(500), 10)).toBe(`${'x'.repeat(10)}…`);
  });
});
