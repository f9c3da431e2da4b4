import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OfsError } from '@ofs/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { createCorridor } from './corridor.js';
import { cli, tempDir } from './test-support/cli-harness.js';
import { manualClock, memoryWorld } from './test-support/memory-world.js';

describe('after a transient failure: backoff, and an obvious way forward', () => {
  it('a requeued run waits out a jittered backoff the claim respects, recorded in its REQUEUED event', async () => {
    const clock = manualClock();
    let failures = 1;
    const world = await memoryWorld({ clock, requeueBackoff: { baseMs: 4_000, jitter: 0.5, random: () => 0.5 } });
    const corridor = createCorridor({
      ...world.deps,
      eb: {
        coverage: (slice, o) => world.eb.coverage(slice, o),
        read(slice, range, o) {
          if (failures-- > 0) throw new OfsError('REPLAY_SOURCE_UNAVAILABLE', { message: 'read-only file system' });
          return world.eb.read(slice, range, o);
        },
      },
    });
    const { run } = await corridor.submit(world.intent());
    const queued = await corridor.runBuild(run.run_key);
    expect(queued).toMatchObject({ state: 'QUEUED', full_run_attempts: 1, not_before_ms: clock.now() + 3_000 });
    const requeued = (await corridor.ledger.events(run.run_key)).find((e) => e.type === 'REQUEUED');
    expect(requeued?.details).toMatchObject({
      error_code: 'REPLAY_SOURCE_UNAVAILABLE',
      backoff_ms: 3_000,
      not_before_ms: clock.now() + 3_000,
    });
    // Neither a worker nor runBuild takes it early, and no attempt is used up meanwhile.
    expect((await corridor.work({ once: true })).processed).toBe(0);
    expect(await corridor.runBuild(run.run_key)).toMatchObject({ state: 'QUEUED', full_run_attempts: 1 });
    clock.advance(3_000);
    expect(await corridor.runBuild(run.run_key)).toMatchObject({ state: 'DONE', full_run_attempts: 2 });
  });

  describe('ofs build after adding a missing profile', async () => {
    const { dir: root, cleanup } = await tempDir();
    afterAll(cleanup);
    const dir = join(root, 'c');

    it('names the changed run configuration, and --request-id builds the same intent under the new one', { timeout: 300_000 }, async () => {
      expect((await cli(['demo', '--dir', dir, '--events', '800', '--json'])).code).toBe(0);
      const intent = JSON.parse(await readFile(join(dir, 'intents/build.json'), 'utf8'));
      const missing = {
        ...intent,
        request_id: 'test.profile.later.0001',
        feature_definition_set: { ...intent.feature_definition_set, feature_set_version: 'v9' },
      };
      const file = join(root, 'intent-v9.json');
      await writeFile(file, JSON.stringify(missing));

      const failed = await cli(['build', file, '--dir', dir]);
      expect(failed.stdout).toContain('FEATURE_PROFILE_UNRESOLVED');

      const { feature_set_id } = intent.feature_definition_set;
      const profile = JSON.parse(
        await readFile(join(dir, 'profiles', feature_set_id, `${intent.feature_definition_set.feature_set_version}.json`), 'utf8'),
      );
      await mkdir(join(dir, 'profiles', feature_set_id), { recursive: true });
      await writeFile(join(dir, 'profiles', feature_set_id, 'v9.json'), JSON.stringify({ ...profile, feature_set_version: 'v9' }));

      const again = await cli(['build', file, '--dir', dir]);
      expect(again.code).toBe(3);
      expect(again.stderr).toMatch(/^REQUEST_ID_PAYLOAD_MISMATCH: .*same intent under another run configuration/);
      expect(again.stderr).toContain('run_config_digest');
      expect(again.stderr).toMatch(/\n {2}fix: .*--request-id/);

      const forward = await cli(['build', file, '--dir', dir, '--request-id', 'test.profile.later.0002', '--json']);
      if (forward.code !== 0) console.error(forward.stderr, forward.stdout);
      expect(forward.code).toBe(0);
      expect(forward.json().run).toMatchObject({ state: 'DONE', request_id: 'test.profile.later.0002' });
    });
  });
});
