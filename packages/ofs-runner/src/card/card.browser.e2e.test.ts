import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../test-support/cli-harness.js';
import type { DatasetCard } from './card-content.js';

const CHROMIUM = process.env.OFS_TEST_CHROMIUM ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(import.meta.dirname, '../../../../docs/card.png');

describe('ofs demo writes the dataset card; the card in headless Chromium', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-card-');
  afterAll(cleanup);
  let cardFile = '';
  let delays: DatasetCard['labels']['delays'] = null;
  let demo: { manifest_key: string; manifest: { rows_total: number }; replay: { slices: unknown[] }; card: string } | undefined;

  it('two demos in separate directories write byte-identical cards', async () => {
    const runs = [];
    for (const name of ['a', 'b']) {
      const result = await cli(['demo', '--dir', join(root, name), '--events', '600', '--json']);
      if (result.code !== 0) console.error(result.stderr, result.stdout);
      expect(result.code).toBe(0);
      runs.push(result.json());
    }
    demo = runs[0];
    expect(runs[0].card).toBe(join(root, 'a', 'card.html'));
    const [a, b] = await Promise.all(runs.map((r) => readFile(r.card)));
    expect(a?.length).toBeGreaterThan(1000);
    expect(Buffer.compare(a as Buffer, b as Buffer)).toBe(0);
    cardFile = runs[0].card;
    // The card is the same bytes when rendered again with `ofs card`, and --json gives its data.
    const again = await cli(['card', demo!.manifest_key, '--dir', join(root, 'b'), '--out', join(root, 'again.html')]);
    expect(again.code).toBe(0);
    expect(Buffer.compare(await readFile(join(root, 'again.html')), a as Buffer)).toBe(0);
    const json = await cli(['card', demo!.manifest_key, '--dir', join(root, 'a'), '--json']);
    expect(json.code).toBe(0);
    const card: DatasetCard = json.json().card;
    expect(card).toMatchObject({ schema_version: 'learning.ofs_dataset_card.v1', rows_total: demo!.manifest.rows_total });
    expect(card.stats.rows_total).toBe(demo!.manifest.rows_total);
    expect(card.stats_source).toBe('build');
    expect(card.replay.partitions.some((p) => p.mode === 'ARCHIVE_THEN_EB' && p.cutover_offset !== null)).toBe(true);
    // The label delay distribution (D114): one count per labelled row, per label type, in the fixed bins.
    expect(card.labels.delays?.bins).toHaveLength(9);
    for (const t of card.stats.label_types) {
      const d = card.labels.delays?.by_type[t];
      const labelled = card.stats.days.reduce((n, day) => n + (day.labels[t]?.labelled ?? 0), 0);
      expect((d?.histogram.reduce((a, b) => a + b, 0) ?? 0) + (d?.unknown ?? 0)).toBe(labelled);
    }
    delays = card.labels.delays;
    expect(card.stats.label_delays).toEqual({ bins: 'label_delay.v1', by_type: card.labels.delays?.by_type });
    // Sensitive columns (entity keys) carry counts, never values.
    const entity = card.stats.columns.find((c) => c.source === 'entity');
    expect(entity).toMatchObject({ kind: 'sensitive', values: null, histogram: null });
  }, 600_000);

  it.skipIf(!existsSync(CHROMIUM))(
    'renders without errors or requests, every chart has marks, and saves a screenshot',
    async () => {
      expect(cardFile).not.toBe('');
      const { chromium } = await import('playwright-core');
      const profile = await mkdtemp(join(tmpdir(), 'ofs-card-chromium-'));
      // A fresh profile directory (`--user-data-dir`, which playwright takes as this argument).
      const browser = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        viewport: { width: 1040, height: 900 },
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
        page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
        page.on('request', (r) => requests.push(r.url()));
        const url = pathToFileURL(cardFile).href;
        await page.goto(url, { waitUntil: 'load' });
        expect(problems).toEqual([]);
        // Self-contained: the only request is the card itself.
        expect(requests).toEqual([url]);
        const charts = await page.$$eval('svg.chart', (svgs) =>
          svgs.map((svg) => ({
            chart: svg.getAttribute('data-chart'),
            marks: svg.querySelectorAll('.mark').length,
            drawn: [...svg.querySelectorAll('.mark')].filter((m) => {
              const box = (m as unknown as { getBBox(): { width: number; height: number } }).getBBox();
              return box.width > 0 && box.height > 0;
            }).length,
          })),
        );
        const names = charts.map((c) => c.chart);
        expect(names).toContain('replay');
        expect(names.some((n) => n?.startsWith('labels-'))).toBe(true);
        expect(names.filter((n) => n?.startsWith('feature-')).length).toBeGreaterThan(5);
        // A label delay histogram per label type with labelled rows, one bar per non-empty bin.
        const delayCharts = charts.filter((c) => c.chart?.startsWith('delay-'));
        expect(delayCharts.length).toBeGreaterThan(0);
        for (const c of delayCharts) {
          const counts = delays?.by_type[(c.chart as string).slice('delay-'.length)];
          expect(c.marks, `chart ${c.chart}`).toBe(counts?.histogram.filter((n) => n > 0).length);
        }
        for (const c of charts) {
          expect(c.marks, `chart ${c.chart}`).toBeGreaterThan(0);
          expect(c.drawn, `chart ${c.chart}`).toBe(c.marks);
        }
        // One replay bar segment at least per partition and source it used.
        const replay = charts.find((c) => c.chart === 'replay');
        expect(replay?.marks).toBeGreaterThanOrEqual(demo!.replay.slices.length);
        await mkdir(resolve(SCREENSHOT, '..'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        expect(existsSync(SCREENSHOT)).toBe(true);
      } finally {
        await browser.close();
        await rm(profile, { recursive: true, force: true });
      }
    },
    300_000,
  );

  it('ofs card and ofs verify exit 1 when the build statistics no longer match the digest the draft records', async () => {
    const dir = join(root, 'b');
    const manifest = JSON.parse(await readFile(join(dir, 'store', demo!.manifest_key), 'utf8'));
    const draft = JSON.parse(await readFile(join(dir, 'store', manifest.evidence.draft_receipt.key), 'utf8'));
    const file = join(dir, 'store', draft.stats.key);
    const text = await readFile(file, 'utf8');
    await chmod(file, 0o644);
    await writeFile(file, text.replace(/"nulls":0/, '"nulls":1'));
    const card = await cli(['card', demo!.manifest_key, '--dir', dir, '--out', join(root, 'tampered.html')]);
    expect(card.code).toBe(1);
    expect(card.stderr).toMatch(/^DATASET_INTEGRITY_VIOLATION: .*statistics/);
    expect(existsSync(join(root, 'tampered.html'))).toBe(false);
    const verify = await cli(['verify', demo!.manifest_key, '--dir', dir, '--json']);
    expect(verify.code).toBe(1);
    expect(verify.json().error.details.differences.map((d: { check: string }) => d.check)).toContain('evidence.stats.sha256');
  }, 120_000);

  it.skipIf(existsSync(CHROMIUM))('(skipped: no Chromium)', () => {
    console.warn(`card browser test skipped: ${CHROMIUM} is absent (apt-get install chromium, or set OFS_TEST_CHROMIUM)`);
  });
});
