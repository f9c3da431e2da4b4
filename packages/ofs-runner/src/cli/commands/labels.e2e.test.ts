import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sampleReferenceLabelAssertion } from '@ofs/contracts/testing';
import { labelAssertionId } from '@ofs/ids';
import { afterAll, describe, expect, it } from 'vitest';
import { CORRIDOR_CONFIG_FILE, CORRIDOR_CONFIG_SCHEMA_VERSION, createDefaultCorridor } from '../../default-corridor.js';
import { demoPolicy } from '../../demo/fixtures.js';
import { cli, tempDir } from '../../test-support/cli-harness.js';

const RUN = 'platform_20260210T120000Z';

/** Reference assertions on `n` events, `case_timeline_event_id` from the index. */
function referenceLines(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify(
      sampleReferenceLabelAssertion({
        case_timeline_event_id: i.toString(16).padStart(32, '0'),
        label_subject_key: { platform_run_id: RUN, event_id: `evt_${i}` },
        source_type: i % 2 === 0 ? 'HUMAN' : 'AUTO',
        actor_id: i % 2 === 0 ? `HUMAN::inv_${i}` : undefined,
      }),
    ),
  );
}

// Each test opens the embedded PGlite database up to three times: slow on a loaded machine.
describe('ofs labels import', { timeout: 600_000 }, async () => {
  const { dir: root, cleanup } = await tempDir('ofs-labels-import-');
  afterAll(cleanup);
  const dir = join(root, 'corridor');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, CORRIDOR_CONFIG_FILE),
    JSON.stringify({ schema_version: CORRIDOR_CONFIG_SCHEMA_VERSION, config_revision: 'cfg.r1' }),
  );
  await writeFile(join(dir, 'policy.json'), JSON.stringify(demoPolicy()));

  it('loads reference assertions as they are into the PGlite label store, idempotently, keeping provenance', async () => {
    const file = join(root, 'labels.jsonl');
    await writeFile(file, `${referenceLines(25).join('\n')}\n\n`);
    const first = await cli(['labels', 'import', file, '--dir', dir, '--batch', '10', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ assertions: 25, reference: 25, batches: 3 });
    const again = await cli(['labels', 'import', file, '--dir', dir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().label_store_state_marker).toBe(first.json().label_store_state_marker);

    const corridor = await createDefaultCorridor({ dir });
    try {
      const got = [];
      for await (const a of corridor.labels.timelines([{ platform_run_id: RUN, event_id: 'evt_4' }], ['fraud_disposition'])) got.push(a);
      expect(got).toHaveLength(1);
      expect(got[0]!.assertion_id).toBe(
        labelAssertionId({
          case_timeline_event_id: (4).toString(16).padStart(32, '0'),
          label_subject_key: { platform_run_id: RUN, event_id: 'evt_4' },
          label_type: 'fraud_disposition',
        }),
      );
      expect(got[0]!.provenance).toMatchObject({
        source_type: 'HUMAN',
        actor_id: 'HUMAN::inv_4',
        evidence_refs: [{ ref_type: 'CASE_EVENT' }],
      });
    } finally {
      await corridor.close();
    }
  });

  it('names the failing lines and keeps the batches before them', async () => {
    const lines = referenceLines(6).map((l, i) => (i === 4 ? JSON.stringify({ ...JSON.parse(l), payload_hash: 'f'.repeat(64) }) : l));
    const file = join(root, 'bad.jsonl');
    await writeFile(file, lines.map((l) => l.replace('evt_', 'bad_evt_')).join('\n'));
    const run = await cli(['labels', 'import', file, '--dir', dir, '--batch', '3']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('LABEL_ASSERTION_ID_MISMATCH: lines 4–6');
    expect(run.stderr).toContain('fix:');
    const corridor = await createDefaultCorridor({ dir });
    try {
      let n = 0;
      const subjects = Array.from({ length: 6 }, (_, i) => ({ platform_run_id: RUN, event_id: `bad_evt_${i}` }));
      for await (const _ of corridor.labels.timelines(subjects, ['fraud_disposition'])) n++;
      expect(n).toBe(3);
    } finally {
      await corridor.close();
    }
  });

  it('refuses an unknown action and a missing file as usage errors', async () => {
    expect((await cli(['labels', 'export', 'x.jsonl', '--dir', dir])).stderr).toContain('CLI_ARGUMENT_INVALID');
    expect((await cli(['labels', 'import', join(root, 'nope.jsonl'), '--dir', dir])).stderr).toContain('CLI_ARGUMENT_INVALID');
  });
});
