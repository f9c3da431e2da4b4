import { type ColumnStats, LABEL_DELAY_BINS } from '@ofs/publish';
import { describe, expect, it } from 'vitest';
import { memoryWorld } from '../test-support/memory-world.js';
import { buildDatasetCard, type DatasetCard } from './card-content.js';
import { renderCardHtml } from './card-html.js';

/** The SVG of one chart (by `data-chart`) in the card's HTML. */
function chart(html: string, name: string): string | undefined {
  const at = html.indexOf(`data-chart="${name}"`);
  if (at < 0) return undefined;
  return html.slice(html.lastIndexOf('<svg', at), html.indexOf('</svg>', at) + 6);
}

const marks = (svg: string | undefined) => (svg?.match(/class="mark[ "]/g) ?? []).length;

describe('dataset card: label delays and profile markers', () => {
  it('shows the label delay distribution of the build statistics, as data and as a chart', async () => {
    const world = await memoryWorld({ events: 300 });
    const { run } = await world.corridor.submit(world.intent());
    const done = await world.corridor.runBuild(run.run_key);
    const card = await buildDatasetCard(done.manifest_key!, { store: world.store });
    expect(card.labels.delays?.bins).toEqual([...LABEL_DELAY_BINS]);
    const html = renderCardHtml(card);
    for (const t of card.stats.label_types) {
      const d = card.labels.delays?.by_type[t];
      const labelled = card.stats.days.reduce((n, day) => n + (day.labels[t]?.labelled ?? 0), 0);
      expect(labelled).toBeGreaterThan(0);
      expect((d?.histogram.reduce((a, b) => a + b, 0) ?? 0) + (d?.unknown ?? 0)).toBe(labelled);
      // One bar per non-empty bin.
      expect(marks(chart(html, `delay-${t}`))).toBe(d?.histogram.filter((n) => n > 0).length);
    }
  }, 120_000);

  const base = (delays: DatasetCard['labels']['delays'], columns: DatasetCard['stats']['columns']): DatasetCard =>
    ({
      schema_version: 'learning.ofs_dataset_card.v1',
      manifest_key: 'run/ofs/manifests/dm_x.json',
      identity: {
        dataset_manifest_id: 'dm_x',
        dataset_fingerprint: 'f',
        plan_id: 'p',
        platform_run_id: 'run',
        intent_kind: 'dataset_build',
        basis_hash: 'b',
        rows_digest: 'r',
      },
      pins: {
        feature_set: 'fs@v1',
        feature_profile: { ref: 'fs.json', digest: 'd' },
        policy_revision: 'r1',
        policy_digest: 'pd',
        code_release: 'c',
        config_revision: 'cr',
        label_asof_utc: '2026-03-01T00:00:00Z',
        label_store_state_marker: 'm',
      },
      status: {
        status_class: 'COMPLETE_SUCCESS',
        training_posture: 'NON_TRAINING',
        replay_status: 'COMPLETE',
        label_status: 'READY_FOR_TRAINING',
        label_reasons: [],
        gates: [],
      },
      replay: { totals: { records: 0, from_archive: 0, from_eb: 0, duplicates: 0, mismatches: 0 }, partitions: [] },
      labels: {
        posture: 'KNEW_THEN',
        resolution_rule: 'observed_time<=label_asof_utc',
        maturity_days: null,
        maturity_cutoff_utc: null,
        coverage: 1,
        conflict_ratio: 0,
        subjects: 3,
        mature: 3,
        immature: 0,
        conflicts: 0,
        by_type: { fraud: { labelled: 3, conflict: 0, unlabelled: 0, coverage: 1, values: [] } },
        delays,
      },
      reconstruction: { duplicates_dropped: 0, row_events: 3, rows: 3 },
      stats: {
        schema_version: 'learning.ofs_dataset_stats.v1',
        bins: 'log10_decades.v1',
        categorical_max_values: 64,
        label_types: ['fraud'],
        rows_total: 3,
        days: [],
        columns,
        ...(delays
          ? {
              label_delays: { bins: 'label_delay.v1', by_type: delays.by_type as Record<string, { histogram: number[]; unknown: number }> },
            }
          : {}),
      },
      stats_source: 'build',
      parts: [],
      rows_total: 3,
      bytes_total: 0,
    }) as DatasetCard;

  it('draws one bar per non-empty delay bin, names the bins, and says when there is nothing to draw', () => {
    const histogram = LABEL_DELAY_BINS.map((_, i) => (i === 2 ? 2 : i === 4 ? 1 : 0));
    const html = renderCardHtml(base({ bins: [...LABEL_DELAY_BINS], by_type: { fraud: { histogram, unknown: 1 } } }, []));
    expect(marks(chart(html, 'delay-fraud'))).toBe(2);
    expect(chart(html, 'delay-fraud')).toContain('>[1d,7d)<');
    expect(html).toContain('3 labelled rows with a delay; 1 without a reported delay.');
    const empty = renderCardHtml(
      base({ bins: [...LABEL_DELAY_BINS], by_type: { fraud: { histogram: histogram.map(() => 0), unknown: 3 } } }, []),
    );
    expect(chart(empty, 'delay-fraud')).toBeUndefined();
    expect(empty).toContain('Nothing to draw.');
    // Statistics without label delays (older builds, or computed from rows): no chart, an explanation.
    const none = renderCardHtml(base(null, []));
    expect(none).not.toContain('data-chart="delay-');
    expect(none).toContain('No label delays recorded');
  });

  it('marks the kinds the feature profile set, and shows no values of sensitive columns', () => {
    const column = (name: string, kind: 'categorical' | 'sensitive', marker?: 'categorical' | 'sensitive'): ColumnStats => ({
      name,
      type: 'json' as const,
      source: 'feature' as const,
      kind,
      rows: 3,
      nulls: 0,
      min: null,
      max: null,
      histogram: null,
      values: kind === 'categorical' ? [{ value: 'DE', count: 3 }] : null,
      ...(marker ? { marker } : {}),
    });
    const html = renderCardHtml(
      base(null, [column('country', 'categorical', 'categorical'), column('device_hash', 'sensitive', 'sensitive')]),
    );
    expect(html).toContain('<td>categorical <span class="muted" title="marked in the feature profile">(profile)</span></td>');
    expect(html).toContain(
      '<td>sensitive <span class="muted" title="marked in the feature profile">(profile)</span></td><td class="num">0.0%</td><td>sensitive: counts only</td>',
    );
    expect(marks(chart(html, 'feature-country'))).toBe(1);
    expect(chart(html, 'feature-device_hash')).toBeUndefined();
  });
});
