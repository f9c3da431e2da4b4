import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type LabelStore, labelAppenderOf, OfsError, type ReplayRecord, type ReplaySlice } from '@ofs/contracts';
import { canonicalJson, writeOnceJson } from '@ofs/ids';
import { type CorridorLayout, corridorLayout } from '../default-corridor.js';
import { createDemoSegmentWriter } from './segments.js';
import { type DemoData, generateDemo } from './generate.js';
import { DEMO_RUN_FACTS_REF, demoCorridorConfig, demoIntent, demoPolicy, demoProfile, demoRunFacts } from './fixtures.js';
import type { ObjectStore } from '@ofs/contracts';

/** File marking a complete demo directory, with the parameters it was generated with. */
export const DEMO_MARKER_FILE = 'demo.json';

/** What `writeDemoFiles` needs to know and gets back. */
export interface DemoParameters {
  readonly events: number;
  readonly seed: number;
}

/** The marker of a generated demo directory. */
export interface DemoMarker extends DemoParameters {
  readonly schema_version: 'learning.ofs_demo.v1';
  readonly data: DemoData;
  /** Intent files under `intents/`, relative to the directory. */
  readonly intents: { readonly build: string; readonly same_meaning: string };
}

async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Reads the demo marker of `dir`: the marker when the directory holds a complete demo generated
 * with the same parameters, `undefined` when the directory is absent or empty. A directory with
 * other content (another demo, or a half-written one) is `CORRIDOR_CONFIG_INVALID`: the demo never
 * writes over something it did not create.
 */
export async function existingDemo(dir: string, params: DemoParameters): Promise<DemoMarker | undefined> {
  if (!existsSync(dir)) return undefined;
  const entries = await readdir(dir);
  if (entries.length === 0) return undefined;
  const markerPath = join(dir, DEMO_MARKER_FILE);
  if (!entries.includes(DEMO_MARKER_FILE)) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', {
      message: `${dir} is not empty and holds no complete demo; pass another --dir or remove it`,
    });
  }
  const marker = JSON.parse(await readFile(markerPath, 'utf8')) as DemoMarker;
  if (marker.events !== params.events || marker.seed !== params.seed) {
    throw new OfsError('CORRIDOR_CONFIG_INVALID', {
      message: `${dir} holds a demo of ${marker.events} events (seed ${marker.seed}); pass another --dir or remove it to generate ${params.events} events`,
    });
  }
  return marker;
}

/**
 * Writes the configuration side of a demo corridor: `ofs.config.json`, the policy and the
 * feature profile. The database and data come after (`writeDemoData`).
 */
export async function writeDemoConfig(layout: CorridorLayout): Promise<void> {
  await writeJsonFile(layout.config, demoCorridorConfig());
  await writeJsonFile(join(layout.dir, 'policy.json'), demoPolicy());
  const profile = demoProfile();
  await writeJsonFile(join(layout.profiles, profile.feature_set_id, `${profile.feature_set_version}.json`), profile);
}

/**
 * Generates the demo data into an open corridor: segment files for EB and Archive, labels into
 * the label store, run facts into the object store, two intent files (one build, and the same
 * meaning under a second request id), then the marker.
 */
export async function writeDemoData(
  dir: string,
  ports: { store: ObjectStore; labels: LabelStore; codeReleaseId: string },
  params: DemoParameters,
  progress: (message: string) => void = () => undefined,
): Promise<DemoMarker> {
  const layout = corridorLayout(dir);
  await writeOnceJson(ports.store, DEMO_RUN_FACTS_REF, demoRunFacts());
  const segments = createDemoSegmentWriter({ eb: layout.eb, archive: layout.archive });
  let written = 0;
  // Fails with LABEL_STORE_READ_ONLY before any data is generated when the store cannot be seeded.
  const labels = labelAppenderOf(ports.labels);
  const data = await generateDemo(
    { events: params.events, seed: params.seed },
    {
      async records(slice: ReplaySlice, source: 'EB' | 'ARCHIVE', records: readonly ReplayRecord[]) {
        await segments.write(slice, source, records);
        written += records.length;
        if (written % 50_000 < records.length) progress(`generated ${written} segment records`);
      },
      async labels(assertions) {
        await labels.append(assertions);
      },
    },
  );
  await segments.close();
  const build = demoIntent({
    requestId: 'demo.build.0001',
    basis: data.replay_basis,
    labelAsofUtc: data.label_asof_utc,
    codeReleaseId: ports.codeReleaseId,
  });
  // The same meaning under another request id: the corridor converges on the same dataset.
  const again = { ...build, request_id: 'demo.build.0002.same-meaning' };
  await writeJsonFile(join(layout.intents, 'build.json'), build);
  await writeJsonFile(join(layout.intents, 'build-same-meaning.json'), again);
  const marker: DemoMarker = {
    schema_version: 'learning.ofs_demo.v1',
    events: params.events,
    seed: params.seed,
    data,
    intents: { build: 'intents/build.json', same_meaning: 'intents/build-same-meaning.json' },
  };
  await writeFile(join(layout.dir, DEMO_MARKER_FILE), `${canonicalJson(marker)}\n`);
  return marker;
}
