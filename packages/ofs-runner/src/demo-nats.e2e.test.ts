// `ofs demo --bus nats` publishes the demo's events to JetStream and builds from there; its rows
// equal those of `ofs demo` from segment files in every column but the offset ones.
import { join } from 'node:path';
import { createFsObjectStore } from '@ofs/fs';
import { readDataset } from '@ofs/publish';
import { connectNats } from '@ofs/source-nats';
import { afterAll, describe, expect, it } from 'vitest';
import { corridorLayout } from './default-corridor.js';
import { demoNatsBus } from './demo/nats-bus.js';
import { cli, tempDir } from './test-support/cli-harness.js';

const URL = process.env.OFS_TEST_NATS_URL;
if (!URL) console.warn('OFS_TEST_NATS_URL is not set: the `ofs demo --bus nats` test is skipped (set it to nats://127.0.0.1:4222)');

async function rows(dir: string, manifestKey: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const row of readDataset(manifestKey, { store: createFsObjectStore({ root: join(dir, 'store') }) })) out.push(row);
  return out;
}

// Offsets name transport positions; payload_hash follows the generator's recipe on segment files
// and the envelope hash on JetStream until the generator hashes envelopes (DESIGN §12;
// src/nats-build.e2e.test.ts compares it with both sides on the envelope hash).
const comparable = (rs: Record<string, unknown>[]) =>
  rs.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !/offset|payload_hash/.test(k))));

describe.skipIf(!URL)('ofs demo --bus nats', async () => {
  const { dir: root, cleanup } = await tempDir();
  const natsDir = join(root, 'nats');
  afterAll(async () => {
    const nc = await connectNats({ servers: URL as string });
    await (await nc.jetstreamManager()).streams.delete(demoNatsBus(corridorLayout(natsDir), URL as string).stream).catch(() => undefined);
    await nc.close();
    await cleanup();
  });

  it('builds from JetStream and gets the rows of the segment-file demo', async () => {
    const nats = await cli(['demo', '--dir', natsDir, '--events', '2000', '--bus', 'nats', '--nats-url', URL as string, '--json']);
    if (nats.code !== 0) console.error(nats.stderr, nats.stdout);
    expect(nats.code).toBe(0);
    const n = nats.json();
    expect(n.verified).toBe(true);
    expect(n.runs.build).toMatchObject({ state: 'DONE', status_class: 'COMPLETE_SUCCESS' });
    expect(n.replay.slices.every((s: { mode: string }) => s.mode === 'EB_ONLY')).toBe(true);
    expect(n.replay.counts.from_eb).toBeGreaterThan(0);

    const segDir = join(root, 'segments');
    const seg = await cli(['demo', '--dir', segDir, '--events', '2000', '--json']);
    expect(seg.code).toBe(0);
    const s = seg.json();
    expect(n.manifest.rows_total).toBe(s.manifest.rows_total);
    expect(comparable(await rows(natsDir, n.manifest_key))).toEqual(comparable(await rows(segDir, s.manifest_key)));

    // The directory is bound to its bus: asking for segment files there is refused.
    const again = await cli(['demo', '--dir', natsDir, '--events', '2000']);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/^CORRIDOR_CONFIG_INVALID: /);
  }, 300_000);
});
