import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { corridorLayout, createDefaultCorridor } from '../default-corridor.js';
import { writeDemoConfig, writeDemoData } from '../demo/setup.js';
import { cli, tempDir } from '../test-support/cli-harness.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

async function demoDir(dir: string, events = 1_000): Promise<Record<string, unknown>> {
  const layout = corridorLayout(dir);
  await mkdir(layout.dir, { recursive: true });
  await writeDemoConfig(layout);
  const corridor = await createDefaultCorridor({ dir });
  try {
    const marker = await writeDemoData(
      dir,
      { store: corridor.store, labels: corridor.labels, codeReleaseId: corridor.pins.codeReleaseId },
      { events, seed: 7 },
    );
    return JSON.parse(await readFile(join(dir, marker.intents.build), 'utf8'));
  } finally {
    await corridor.close();
  }
}

describe('exit codes and fix lines as documented', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-exit-');
  afterAll(cleanup);

  it('an unresolved profile exits 3 in `plan` and in `build`, and the failed run prints a fix line', async () => {
    const dir = join(root, 'profile');
    const intent = await demoDir(dir);
    const file = join(dir, 'no-profile.json');
    await writeFile(
      file,
      JSON.stringify({
        ...intent,
        request_id: 'noprofile.0001',
        feature_definition_set: { ...(intent.feature_definition_set as object), feature_set_version: 'v999' },
      }),
    );
    const plan = await cli(['plan', file, '--dir', dir]);
    expect(plan.code).toBe(3);
    expect(plan.stderr).toMatch(/^FEATURE_PROFILE_UNRESOLVED: .*\n {2}fix: add the profile file/);
    const build = await cli(['build', file, '--dir', dir]);
    expect(build.code).toBe(3);
    expect(build.stdout).toContain('state FAILED');
    expect(build.stderr).toMatch(/^FEATURE_PROFILE_UNRESOLVED: run [0-9a-f]{32} FAILED in plan: .*\n {2}fix: add the profile file/);
    const status = await cli(['status', JSON.parse((await cli(['build', file, '--dir', dir, '--json'])).stdout).run.run_key, '--dir', dir]);
    expect(status.code).toBe(3);
    expect(status.stderr).toContain('  fix: ');
  }, 300_000);

  it('a run under another worker’s live lease exits 5 with RUN_LEASE_HELD, says until when, and what to do', async () => {
    const dir = join(root, 'lease');
    const intent = await demoDir(dir);
    const corridor = await createDefaultCorridor({ dir });
    let runKey: string;
    try {
      runKey = (await corridor.submit(intent)).run.run_key;
      const claimed = await corridor.ledger.claim({ worker: 'other-host:4242', leaseMs: 600_000 });
      expect(claimed?.run.run_key).toBe(runKey);
    } finally {
      await corridor.close();
    }
    const build = await cli(['build', join(dir, 'intents/build.json'), '--dir', dir]);
    expect(build.code).toBe(5);
    expect(build.stderr).toMatch(
      /^RUN_LEASE_HELD: run [0-9a-f]{32} is being built by other-host:4242; its lease runs until \S+Z \((\d+) s from now\)/,
    );
    const seconds = Number(/\((\d+) s from now\)/.exec(build.stderr)![1]);
    expect(seconds).toBeGreaterThan(500);
    expect(seconds).toBeLessThanOrEqual(600);
    expect(build.stderr).toMatch(/\n {2}fix: follow the run with `ofs status <run_key>`; if its worker died/);
    const json = await cli(['build', join(dir, 'intents/build.json'), '--dir', dir, '--json']);
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'RUN_LEASE_HELD', details: { worker: 'other-host:4242' } },
      exit_code: 5,
    });
    const status = await cli(['status', runKey, '--dir', dir]);
    expect(status.code).toBe(5);
    expect(status.stderr).toMatch(/is RUNNING under other-host:4242's lease until \S+ \(\d+ s from now\)\n {2}fix: /);
  }, 300_000);

  it('SIGINT during `ofs build` exits 130 and releases the run (built CLI, real process)', async () => {
    expect(existsSync(CLI), 'build the runner first (pnpm turbo run build --filter @ofs/runner)').toBe(true);
    const dir = join(root, 'sigint');
    await demoDir(dir, 4_000);
    const child = spawn(process.execPath, [CLI, 'build', join(dir, 'intents/build.json'), '--dir', dir, '--progress'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let sent = false;
    child.stderr!.on('data', (d) => {
      stderr += d;
      // Interrupt once the run is claimed and a stage is under way.
      if (!sent && /\] (plan|replay|labels|reconstruct)/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(sent, stderr).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('SIGINT: stopping');
    // The lease was released: the same build in a new process finishes the run.
    const again = await cli(['build', join(dir, 'intents/build.json'), '--dir', dir, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json().run.state).toBe('DONE');
  }, 300_000);
});
