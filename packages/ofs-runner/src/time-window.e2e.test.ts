import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseInstant, type ReplayRecord } from '@ofs/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { createDefaultCorridor } from './default-corridor.js';
import { cli, tempDir } from './test-support/cli-harness.js';

const TOPIC = 'fp.bus.traffic.fraud.v1';
const START = '2026-11-01T06:00:00Z';
const END = '2026-11-02T06:00:00+00:00';

/** Every record of a partition either source holds, one per offset, in offset order. */
async function held(dir: string, partition: number): Promise<ReplayRecord[]> {
  const corridor = await createDefaultCorridor({ dir });
  try {
    const byOffset = new Map<string, ReplayRecord>();
    const slice = { topic: TOPIC, partition, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '999999999' };
    for (const source of [corridor.archive, corridor.eb]) {
      for await (const r of source.read(slice, { start: '0', end: '999999999' })) if (!byOffset.has(r.offset)) byOffset.set(r.offset, r);
    }
    return [...byOffset.values()].sort((a, b) => Number(a.offset) - Number(b.offset));
  } finally {
    await corridor.close();
  }
}

describe('ofs plan --window on the demo (fs store + PGlite)', async () => {
  const { dir: root, cleanup } = await tempDir();
  afterAll(cleanup);
  const dir = join(root, 'demo');

  it('a time-window intent builds the same dataset as the equivalent hand-written offset intent', { timeout: 300_000 }, async () => {
    const demo = await cli(['demo', '--dir', dir, '--events', '1500', '--json']);
    if (demo.code !== 0) console.error(demo.stderr);
    expect(demo.code).toBe(0);
    const template = JSON.parse(await readFile(join(dir, 'intents/build.json'), 'utf8'));
    const base = { ...template, non_training_allowed: true };
    await writeFile(join(dir, 'intents/window-template.json'), JSON.stringify({ ...base, request_id: 'demo.window.0001' }));

    // The hand-written equivalent: per partition, the offsets whose running max ts_utc is in [START, END).
    const start = parseInstant(START)!.epochMs;
    const end = parseInstant(END)!.epochMs;
    const slices = [];
    for (const partition of [0, 1, 2]) {
      let watermark = Number.NEGATIVE_INFINITY;
      const inside: string[] = [];
      for (const r of await held(dir, partition)) {
        watermark = Math.max(watermark, parseInstant(r.ts_utc)!.epochMs);
        if (watermark >= start && watermark < end) inside.push(r.offset);
      }
      expect(inside.length).toBeGreaterThan(0);
      slices.push({ topic: TOPIC, partition, offset_kind: 'kafka_offset', start_offset: inside[0], end_offset: inside.at(-1) });
    }
    const others = template.replay_basis.filter((s: { topic: string }) => s.topic !== TOPIC);
    const offsets = { ...base, request_id: 'demo.offsets.0001', replay_basis: [...others, ...slices] };
    await writeFile(join(dir, 'intents/offsets.json'), JSON.stringify(offsets));

    const plan = await cli(
      [
        'plan',
        'intents/window-template.json',
        '--dir',
        dir,
        '--window',
        `topic=${TOPIC},start=${START},end=${END}`,
        '--out',
        'intents/window.json',
        '--json',
      ],
      { cwd: dir },
    );
    if (plan.code !== 0) console.error(plan.stderr, plan.stdout);
    expect(plan.code).toBe(0);
    const written = JSON.parse(await readFile(join(dir, 'intents/window.json'), 'utf8'));
    expect(written.replay_basis).toEqual(offsets.replay_basis);
    // The selector is recorded beside the offsets, in canonical form, with the rule.
    expect(written.time_window).toMatchObject({
      rule: 'ofs.time_window.watermark.v1',
      selector: { topic: TOPIC, offset_kind: 'kafka_offset', start_utc: '2026-11-01T06:00:00Z', end_utc: '2026-11-02T06:00:00Z' },
    });
    expect(written.time_window.partitions.map((p: { status: string }) => p.status)).toEqual(['RESOLVED', 'RESOLVED', 'RESOLVED']);

    const byOffsets = await cli(['build', join(dir, 'intents/offsets.json'), '--dir', dir, '--json']);
    expect(byOffsets.code).toBe(0);
    const first = byOffsets.json().run;
    expect(first).toMatchObject({ state: 'DONE', outcome: 'NEW' });
    const byWindow = await cli(['build', join(dir, 'intents/window.json'), '--dir', dir, '--json']);
    expect(byWindow.code).toBe(0);
    // The identity law sees only offsets: the same dataset, found already published.
    expect(byWindow.json().run).toMatchObject({ state: 'DONE', outcome: 'ALREADY_PUBLISHED', manifest_key: first.manifest_key });

    // A window with no events: an explicit empty result, no intent written.
    const none = await cli(
      [
        'plan',
        'intents/window-template.json',
        '--dir',
        dir,
        '--window',
        `topic=${TOPIC},start=2030-01-01T00:00:00Z,end=2030-01-02T00:00:00Z`,
        '--out',
        'intents/none.json',
        '--json',
      ],
      { cwd: dir },
    );
    expect(none.code).toBe(1);
    expect(none.json()).toMatchObject({ empty: true, time_window: { empty: true, slices: [] } });
    expect(existsSync(join(dir, 'intents/none.json'))).toBe(false);
  });
});
