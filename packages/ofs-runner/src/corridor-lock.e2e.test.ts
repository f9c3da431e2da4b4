import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isOfsError } from '@ofs/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireCorridorLock, CORRIDOR_LOCK_PID_FILE, CORRIDOR_LOCK_SOCKET_FILE } from './corridor-lock.js';
import { corridorLayout, createDefaultCorridor } from './default-corridor.js';
import { writeDemoConfig, writeDemoData } from './demo/setup.js';
import { tempDir } from './test-support/cli-harness.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const INDEX = pathToFileURL(fileURLToPath(new URL('../dist/index.js', import.meta.url))).href;

interface Exited {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function spawnNode(args: string[]): { child: ChildProcess; done: Promise<Exited> } {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Exited>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** A process that takes the lock through the built package and holds it until killed. */
function holder(dir: string, mode: 'abstract' | 'file'): { child: ChildProcess; done: Promise<Exited>; held: Promise<void> } {
  const script = `import { acquireCorridorLock } from ${JSON.stringify(INDEX)};
await acquireCorridorLock(${JSON.stringify(dir)}, { mode: ${JSON.stringify(mode)} });
process.stdout.write('held\\n');
setInterval(() => {}, 1000);`;
  const spawned = spawnNode(['--input-type=module', '-e', script]);
  const held = new Promise<void>((resolve, reject) => {
    spawned.child.stdout!.on('data', (d) => {
      if (String(d).includes('held')) resolve();
    });
    spawned.child.on('close', () => reject(new Error('the holder exited before taking the lock')));
  });
  return { ...spawned, held };
}

async function lockError(dir: string, mode: 'abstract' | 'file'): Promise<unknown> {
  try {
    const lock = await acquireCorridorLock(dir, { mode });
    await lock.release();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe('one process per embedded corridor (real processes)', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-lock-');
  afterAll(cleanup);

  for (const mode of ['abstract', 'file'] as const) {
    it(`${mode} lock: a second process fails at once naming the holder; a SIGKILLed holder leaves no stale lock`, async () => {
      expect(existsSync(CLI), 'build the runner first (pnpm turbo run build --filter @ofs/runner)').toBe(true);
      const dir = join(root, `lock-${mode}`);
      await mkdir(dir, { recursive: true });
      const first = holder(dir, mode);
      await first.held;
      expect(await readFile(join(dir, CORRIDOR_LOCK_PID_FILE), 'utf8')).toBe(`${first.child.pid}\n`);
      const refused = await lockError(dir, mode);
      expect(isOfsError(refused, 'CORRIDOR_LOCKED')).toBe(true);
      expect((refused as { details: Record<string, unknown> }).details.holder_pid).toBe(first.child.pid);
      expect((refused as Error).message).toContain(`process ${first.child.pid}`);

      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');
      // The file mode leaves its socket file behind; the next open finds it stale and takes over.
      if (mode === 'file') expect(existsSync(join(dir, CORRIDOR_LOCK_SOCKET_FILE))).toBe(true);
      const lock = await acquireCorridorLock(dir, { mode });
      expect(await readFile(join(dir, CORRIDOR_LOCK_PID_FILE), 'utf8')).toBe(`${process.pid}\n`);
      await lock.release();
      expect(existsSync(join(dir, CORRIDOR_LOCK_PID_FILE))).toBe(false);
      // Released: another process can take it again.
      const again = holder(dir, mode);
      await again.held;
      again.child.kill('SIGKILL');
      await again.done;
    }, 120_000);
  }

  it('two `ofs build` on one directory: one builds, the other exits 6 naming its pid; a SIGKILLed worker frees the directory', async () => {
    expect(existsSync(CLI), 'build the runner first (pnpm turbo run build --filter @ofs/runner)').toBe(true);
    const dir = join(root, 'corridor');
    const layout = corridorLayout(dir);
    await mkdir(layout.dir, { recursive: true });
    await writeDemoConfig(layout);
    const corridor = await createDefaultCorridor({ dir });
    try {
      await writeDemoData(
        dir,
        { store: corridor.store, labels: corridor.labels, codeReleaseId: corridor.pins.codeReleaseId },
        { events: 2_000, seed: 7 },
      );
    } finally {
      await corridor.close();
    }
    const intent = join(dir, 'intents/build.json');
    const a = spawnNode([CLI, 'build', intent, '--dir', dir, '--json']);
    const b = spawnNode([CLI, 'build', intent, '--dir', dir, '--json']);
    const results = [await a.done, await b.done];
    const pids = [a.child.pid, b.child.pid];
    const winner = results.findIndex((r) => r.code === 0);
    expect(winner, results.map((r) => r.stderr).join('\n')).toBeGreaterThanOrEqual(0);
    const loser = results[1 - winner]!;
    expect(loser.code, loser.stderr).toBe(6);
    expect(loser.stderr).toMatch(new RegExp(`^CORRIDOR_LOCKED: .*process ${pids[winner]}\\b.*\\n {2}fix: `));
    expect(JSON.parse(loser.stdout)).toMatchObject({
      error: { code: 'CORRIDOR_LOCKED', details: { holder_pid: pids[winner] } },
      exit_code: 6,
    });
    const run = JSON.parse(results[winner]!.stdout).run;
    expect(run.state).toBe('DONE');

    // A long-lived holder (a polling worker) is SIGKILLed; the next command opens the directory.
    const worker = spawnNode([CLI, 'worker', '--dir', dir, '--poll-ms', '50']);
    const pidFile = join(dir, CORRIDOR_LOCK_PID_FILE);
    while (!existsSync(pidFile) || (await readFile(pidFile, 'utf8')) !== `${worker.child.pid}\n`) {
      expect(worker.child.exitCode, 'the worker exited early').toBeNull();
      await new Promise((r) => setTimeout(r, 20));
    }
    const blocked = await spawnNode([CLI, 'status', run.run_key, '--dir', dir]).done;
    expect(blocked.code).toBe(6);
    expect(blocked.stderr).toContain(`process ${worker.child.pid}`);
    worker.child.kill('SIGKILL');
    expect((await worker.done).signal).toBe('SIGKILL');
    const status = await spawnNode([CLI, 'status', run.run_key, '--dir', dir, '--json']).done;
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).run).toMatchObject({ run_key: run.run_key, state: 'DONE' });
  }, 300_000);
});
