import { describe, expect, it } from 'vitest';
import { assessHealth } from './health.js';
import { reduceMetrics } from './metrics.js';
import { failedRun, runEvents, runRecord } from './test-fixtures.js';

const quiet = reduceMetrics({ runs: [], events: [] });

describe('assessHealth', () => {
  it('is GREEN with no reasons when nothing is wrong', () => {
    expect(assessHealth(quiet)).toEqual({ state: 'GREEN', reasons: [] });
  });

  it('is RED for a failed run and lists every rule that fired, RED first', () => {
    const { run, events } = failedRun('f', 'REPLAY_BASIS_MISMATCH');
    const pending = runRecord('p', { state: 'PUBLISH_PENDING' });
    const health = assessHealth(reduceMetrics({ runs: [run, pending], events }));
    expect(health.state).toBe('RED');
    expect(health.reasons.map((r) => `${r.level}:${r.code}`)).toEqual(['RED:FAILED_RUNS', 'AMBER:ANOMALIES', 'AMBER:PUBLISH_PENDING']);
    expect(health.reasons[0]).toMatchObject({ value: 1, threshold: 1 });
  });

  it('is AMBER for a pending publication or a denied evidence ref', () => {
    const run = runRecord('d', { state: 'RUNNING' });
    const events = runEvents(run, [['EVIDENCE_REF', 'RUNNING', { actor: 'w', ref: '../x', purpose: 'run_facts', outcome: 'REF_INVALID' }]]);
    const health = assessHealth(reduceMetrics({ runs: [run], events }));
    expect(health.state).toBe('AMBER');
    expect(health.reasons.map((r) => r.code)).toEqual(['ANOMALIES', 'EVIDENCE_REF_DENIED']);
  });

  it('takes configurable thresholds; null switches a rule off', () => {
    const { run, events } = failedRun('f', 'STORE_UNAVAILABLE');
    const metrics = reduceMetrics({ runs: [run], events });
    expect(assessHealth(metrics, { red_failed: 2 }).state).toBe('AMBER');
    expect(assessHealth(metrics, { red_failed: null, amber_anomalies: null }).state).toBe('GREEN');
    expect(assessHealth(metrics, { red_failed: null, amber_anomalies: 5, red_anomalies: 1 }).reasons.map((r) => r.code)).toEqual([
      'ANOMALIES_RED',
    ]);
  });

  it('turns AMBER when label coverage is below a configured floor', () => {
    const metrics = { ...quiet, labels: { ...quiet.labels, receipts: 1, coverage_min: 0.4 } };
    expect(assessHealth(metrics).state).toBe('GREEN');
    expect(assessHealth(metrics, { min_label_coverage: 0.5 }).reasons).toEqual([
      { code: 'LABEL_COVERAGE_LOW', level: 'AMBER', value: 0.4, threshold: 0.5, message: 'smallest label coverage 0.4 is below 0.5' },
    ]);
  });
});
