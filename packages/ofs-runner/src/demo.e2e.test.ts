import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './test-support/cli-harness.js';

describe('ofs demo (embedded default: fs store + PGlite)', async () => {
  const { dir: root, cleanup } = await tempDir();
  afterAll(cleanup);
  const dir = join(root, 'demo');

  it('generates, builds, converges a second request id on the same manifest, and verifies', async () => {
    const result = await cli(['demo', '--dir', dir, '--events', '3000', '--json']);
    if (result.code !== 0) console.error(result.stderr, result.stdout);
    expect(result.code).toBe(0);
    const out = result.json();
    expect(out.runs.build.state).toBe('DONE');
    expect(out.runs.build.outcome).toBe('NEW');
    expect(out.runs.same_meaning.outcome).toBe('ALREADY_PUBLISHED');
    expect(out.runs.same_meaning.manifest_key).toBe(out.manifest_key);
    expect(out.verified).toBe(true);
  });
});
