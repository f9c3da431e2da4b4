import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../test-support/cli-harness.js';
import { invocationOf } from './invocation.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(REPO, 'packages/ofs-runner/dist/cli.js');

describe('invocationOf: next steps print a command that works', () => {
  it('a workspace script (pnpm demo / pnpm ofs) → `pnpm -s ofs`; an installed bin → `ofs`; else node <cli.js>', () => {
    expect(invocationOf({ env: { npm_lifecycle_event: 'demo' }, script: CLI, cwd: REPO })).toBe('pnpm -s ofs');
    expect(invocationOf({ env: { npm_lifecycle_event: 'ofs' }, script: CLI, cwd: REPO })).toBe('pnpm -s ofs');
    const npx = { npm_lifecycle_event: 'demo', npm_execpath: '/home/u/.npm/_npx/9f1/node_modules/pnpm/bin/pnpm.cjs' };
    expect(invocationOf({ env: npx, script: CLI, cwd: REPO })).toBe('node packages/ofs-runner/dist/cli.js');
    expect(invocationOf({ env: {}, script: '/usr/local/bin/ofs', cwd: REPO })).toBe('ofs');
    expect(invocationOf({ env: {}, script: CLI, cwd: REPO })).toBe('node packages/ofs-runner/dist/cli.js');
    expect(invocationOf({ env: {}, script: '/opt/my tools/cli.js', cwd: REPO })).toBe('node "/opt/my tools/cli.js"');
  });
});

describe('the CLI as `pnpm -s ofs` from the repository root (built CLI, real processes)', async () => {
  const { dir: root, cleanup } = await tempDir('ofs-invocation-');
  afterAll(cleanup);

  it("the demo's next: lines run as printed, and `pnpm -s ofs … --json` prints only JSON on stdout", async () => {
    expect(existsSync(CLI), 'build the runner first (pnpm turbo run build --filter @ofs/runner)').toBe(true);
    const dir = join(root, 'demo');
    const demo = await cli(['demo', '--dir', dir, '--events', '500'], { cwd: REPO, invocation: 'pnpm -s ofs' });
    expect(demo.code, demo.stderr).toBe(0);
    const next = demo.stdout
      .split('\n')
      .filter((l) => /^(next:)?\s+pnpm -s ofs /.test(l))
      .map((l) => l.replace(/^next:/, '').trim());
    expect(next).toHaveLength(3);
    expect(next[0]).toMatch(/^pnpm -s ofs inspect \S+ --dir \S+$/);
    for (const line of next) {
      // Exactly as printed, through a shell, from the repository root (a non-zero exit rejects).
      const out = await run('sh', ['-c', line], { cwd: REPO });
      expect(out.stdout.length).toBeGreaterThan(0);
    }
    const json = await run('sh', ['-c', `${next[1]} --json`], { cwd: REPO });
    expect(JSON.parse(json.stdout).run.state, json.stdout.slice(0, 200)).toBe('DONE');
    // An error under --json is a JSON document on stdout too (the message goes to stderr).
    const failed = await run('sh', ['-c', `pnpm -s ofs status ffffffffffffffffffffffffffffffff --dir ${dir} --json || true`], {
      cwd: REPO,
    });
    expect(JSON.parse(failed.stdout)).toMatchObject({ error: { code: 'RUN_NOT_FOUND' }, exit_code: 3 });
  }, 300_000);
});
