import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMemoryObjectStore } from '@ofs/contracts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { type OpenLineageRunEvent, openLineageRunId, toOpenLineageEvents } from './openlineage.js';
import { failedRun, publishedRun, runEvents, runRecord } from './test-fixtures.js';

// Spec files copied from the OpenLineage repository (see fixtures/openlineage/SOURCE.md).
const specDir = join(import.meta.dirname, 'fixtures', 'openlineage');
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const core = JSON.parse(readFileSync(join(specDir, 'OpenLineage.json'), 'utf8'));
ajv.addSchema(core);
const facetFiles = readdirSync(join(specDir, 'facets')).map((f) => JSON.parse(readFileSync(join(specDir, 'facets', f), 'utf8')));
for (const schema of facetFiles) ajv.addSchema(schema);
const validateEvent = ajv.getSchema(core.$id)!;

/** The spec file defining a facet key (e.g. `schema` → SchemaDatasetFacet.json). */
function facetSpec(key: string): { $id: string } | undefined {
  return facetFiles.find((s) => Object.hasOwn(s.properties ?? {}, key));
}

function expectValid(event: OpenLineageRunEvent): void {
  const ok = validateEvent(event);
  expect(ok ? [] : validateEvent.errors).toEqual([]);
  const facetMaps: Record<string, Record<string, unknown>>[] = [event.run.facets, event.job.facets];
  for (const d of [...event.inputs, ...event.outputs])
    facetMaps.push(...[d.facets, d.inputFacets, d.outputFacets].filter((f) => f !== undefined));
  for (const facets of facetMaps) {
    for (const [key, facet] of Object.entries(facets)) {
      const spec = facetSpec(key);
      if (key.startsWith('ofs_')) {
        expect(spec).toBeUndefined(); // our own facets never shadow a standard one
        continue;
      }
      expect(spec, `no spec file for facet ${key}`).toBeDefined();
      const validate = ajv.getSchema(spec!.$id)!;
      expect(validate({ [key]: facet }) ? [] : validate.errors).toEqual([]);
      expect((facet as { _schemaURL: string })._schemaURL.startsWith(`${spec!.$id}#/$defs/`)).toBe(true);
    }
  }
}

describe('toOpenLineageEvents', () => {
  it('emits START and COMPLETE for a published run, valid against the OpenLineage 2-0-2 spec', async () => {
    const store = createMemoryObjectStore();
    const a = await publishedRun(store, 'a', { rows: 42, from_archive: 2 });
    const events = toOpenLineageEvents({
      run: a.run,
      events: a.events,
      plan: a.plan,
      replayReceipt: a.replay,
      labelReceipt: a.labels,
      manifest: a.manifest,
    });
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    for (const event of events) expectValid(event);
    const [start, complete] = events as [OpenLineageRunEvent, OpenLineageRunEvent];
    expect(start.run.runId).toBe(complete.run.runId);
    expect(complete.job).toMatchObject({ namespace: 'ofs', name: 'ofs.dataset_build' });
    expect(complete.inputs.map((d) => d.name)).toEqual(['fp.bus.traffic.v1/0', 'labels']);
    expect(complete.inputs[0]!.facets!.version).toMatchObject({ datasetVersion: 'kafka_offset:0-99' });
    expect(complete.inputs[0]!.inputFacets!.inputStatistics).toMatchObject({ rowCount: 42 });
    expect(complete.inputs[1]!.facets!.version).toMatchObject({ datasetVersion: a.labels.store_state_marker });
    const output = complete.outputs[0]!;
    expect(output.name).toBe(a.run.manifest_key);
    expect(output.facets!.version).toMatchObject({ datasetVersion: a.manifest.dataset_manifest_id });
    expect(output.facets!.schema).toMatchObject({ fields: [{ name: 'event_id', type: 'string' }, expect.anything(), expect.anything()] });
    expect(output.outputFacets!.outputStatistics).toMatchObject({ rowCount: 42, size: 4200, fileCount: 1 });
    expect(complete.run.facets.ofs_run).toMatchObject({
      plan_id: a.plan.plan_id,
      dataset_manifest_id: a.manifest.dataset_manifest_id,
      basis_hash: a.plan.basis_hash,
      policy_revision: 'r1',
    });
    // reproducible
    expect(
      toOpenLineageEvents({
        run: a.run,
        events: [...a.events].reverse(),
        plan: a.plan,
        replayReceipt: a.replay,
        labelReceipt: a.labels,
        manifest: a.manifest,
      }),
    ).toEqual(events);
  });

  it('emits FAIL with the error code for a failed run, and ABORT for a cancelled one', () => {
    const f = failedRun('f', 'REPLAY_BASIS_MISMATCH');
    const fail = toOpenLineageEvents({ run: f.run, events: f.events });
    expect(fail.map((e) => e.eventType)).toEqual(['START', 'FAIL']);
    for (const event of fail) expectValid(event);
    expect(fail[1]!.run.facets.errorMessage).toMatchObject({
      message: 'REPLAY_BASIS_MISMATCH: REPLAY_BASIS_MISMATCH happened',
      programmingLanguage: 'TypeScript',
    });

    const base = runRecord('c');
    const events = runEvents(base, [
      ['SUBMITTED', 'QUEUED'],
      ['CLAIMED', 'RUNNING', { mode: 'FULL' }],
      ['CANCELLED', 'CANCELLED'],
    ]);
    const abort = toOpenLineageEvents({ run: { ...base, state: 'CANCELLED' }, events });
    expect(abort.map((e) => e.eventType)).toEqual(['START', 'ABORT']);
    for (const event of abort) expectValid(event);
  });

  it('emits nothing for a run never claimed, and only START for a running one', () => {
    const base = runRecord('q');
    expect(toOpenLineageEvents({ run: base, events: runEvents(base, [['SUBMITTED', 'QUEUED']]) })).toEqual([]);
    const running = toOpenLineageEvents({
      run: { ...base, state: 'RUNNING' },
      events: runEvents(base, [
        ['SUBMITTED', 'QUEUED'],
        ['CLAIMED', 'RUNNING'],
      ]),
    });
    expect(running.map((e) => e.eventType)).toEqual(['START']);
    expectValid(running[0]!);
  });

  it('has a validator that rejects broken events and facets (the checks above can fail)', async () => {
    const a = await publishedRun(createMemoryObjectStore(), 'n');
    const [start] = toOpenLineageEvents({ run: a.run, events: a.events });
    expect(validateEvent({ ...start, run: { runId: 'not-a-uuid', facets: {} } })).toBe(false);
    expect(validateEvent({ ...start, eventType: 'DONE' })).toBe(false);
    const versionSpec = ajv.getSchema(facetSpec('version')!.$id)!;
    expect(versionSpec({ version: { _producer: 'https://x.invalid', _schemaURL: 'https://x.invalid/s' } })).toBe(false);
  });

  it('derives a stable UUIDv7 run id from the run key and submission time', () => {
    const run = runRecord('u');
    const id = openLineageRunId(run);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(openLineageRunId(run)).toBe(id);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(run.created_at_ms);
    expect(openLineageRunId(runRecord('v'))).not.toBe(id);
  });
});
