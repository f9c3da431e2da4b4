import { mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReplayRecord } from '@ofs/contracts';
import { createSegmentFileSource, SEGMENT_INDEX_SCHEMA_VERSION } from '@ofs/fs';
import { envelopeHash } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { corridorLayout, createDefaultCorridor } from './default-corridor.js';
import { DEMO_MARKER_FILE, DEMO_SCHEMA_VERSION, type DemoMarker, existingDemo, writeDemoConfig, writeDemoData } from './demo/setup.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A demo corridor directory with `events` generated events (PGlite, nothing built yet). */
async function demoDir(events: number): Promise<{ dir: string; marker: DemoMarker }> {
  const dir = await mkdtemp(join(tmpdir(), 'ofs-demo-env-'));
  dirs.push(dir);
  await writeDemoConfig(corridorLayout(dir));
  const corridor = await createDefaultCorridor({ dir });
  try {
    const marker = await writeDemoData(
      dir,
      { store: corridor.store, labels: corridor.labels, codeReleaseId: corridor.pins.codeReleaseId },
      { events, seed: 11 },
    );
    return { dir, marker };
  } finally {
    await corridor.close();
  }
}

async function segmentFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.jsonl')) out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

describe('the demo writes envelope hashes (ofs.envelope_hash.v1)', () => {
  // One generated demo (PGlite start-up dominates): read first, then tampered and built.
  let demo: Promise<{ dir: string; marker: DemoMarker }> | undefined;
  const shared = () => (demo ??= demoDir(400));

  it('every EB and Archive record of the basis verifies, in v2 segment partitions', async () => {
    const { dir, marker } = await shared();
    const layout = corridorLayout(dir);
    let checked = 0;
    for (const root of [layout.eb, layout.archive]) {
      const source = createSegmentFileSource({ root, verifyHashes: true });
      for (const slice of marker.data.replay_basis) {
        for await (const r of source.read(slice, { start: slice.start_offset, end: slice.end_offset })) {
          expect(r.payload_hash).toBe(envelopeHash(r));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
    const index = (await readdir(layout.eb, { recursive: true })).find((f) => f.endsWith('index.json'))!;
    expect(JSON.parse(await readFile(join(layout.eb, index), 'utf8')).schema_version).toBe(SEGMENT_INDEX_SCHEMA_VERSION);
    expect(marker.schema_version).toBe(DEMO_SCHEMA_VERSION);
  });

  it('a build over an Archive record with one flipped digit of ts_utc fails REPLAY_RECORD_INVALID (demo verifies hashes)', async () => {
    const { dir } = await shared();
    const layout = corridorLayout(dir);
    // Flip one digit of ts_utc in every Archive line: whichever records the build reads, one is tampered.
    for (const file of await segmentFiles(layout.archive)) {
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      const tampered = lines.map((line) => {
        const row = JSON.parse(line) as ReplayRecord;
        const ts = row.ts_utc.replace(/\d(?=Z$)/, (d) => String((Number(d) + 1) % 10));
        return JSON.stringify({ ...row, ts_utc: ts });
      });
      await unlink(file);
      await writeFile(file, `${tampered.join('\n')}\n`);
    }
    const intent = JSON.parse(await readFile(join(layout.intents, 'build.json'), 'utf8'));
    const corridor = await createDefaultCorridor({ dir, corridor: { requeueBackoff: { baseMs: 0 } } });
    try {
      const { run } = await corridor.submit(intent);
      const done = await corridor.runBuild(run.run_key);
      expect(done.state).not.toBe('DONE');
      expect(done.last_error?.code).toBe('REPLAY_RECORD_INVALID');
    } finally {
      await corridor.close();
    }
  });
});

describe('existingDemo regenerates a demo of an older version', () => {
  it('removes only what the demo wrote (data first, marker last) and reports no demo', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ofs-demo-old-'));
    dirs.push(dir);
    for (const d of ['store', 'segments/eb', 'profiles', 'db', 'intents']) await mkdir(join(dir, d), { recursive: true });
    for (const f of ['ofs.config.json', 'policy.json', 'segments/eb/x.jsonl', 'keep-me.txt']) await writeFile(join(dir, f), '{}');
    await writeFile(join(dir, DEMO_MARKER_FILE), JSON.stringify({ schema_version: 'learning.ofs_demo.v1', events: 400, seed: 11 }));
    expect(await existingDemo(dir, { events: 400, seed: 11 })).toBeUndefined();
    expect(await readdir(dir)).toEqual(['keep-me.txt']);
  });

  it('reuses a demo of the current version with the same parameters', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ofs-demo-cur-'));
    dirs.push(dir);
    const marker = { schema_version: DEMO_SCHEMA_VERSION, events: 400, seed: 11 };
    await writeFile(join(dir, DEMO_MARKER_FILE), JSON.stringify(marker));
    expect(await existingDemo(dir, { events: 400, seed: 11 })).toEqual(marker);
  });
});
