import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, PartitionDigests, sha256Hex } from '@ofs/ids';
import { createParquetPartEncoder, decodeParquetPart, partLines } from '@ofs/publish';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './test-support/cli-harness.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Runs the built `ofs` CLI in a child process. */
function ofs(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; json: () => any }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) })));
}

describe('ofs verify, status, retry-publish and gc on a demo dataset (spawned built CLI)', async () => {
  const { dir: root, cleanup } = await tempDir();
  afterAll(cleanup);
  const dir = join(root, 'demo');
  const store = join(dir, 'store');
  let manifestKey: string;
  let runKey: string;
  let keys: { plan: string; replay: string; labels: string; draft: string; index: string };

  beforeAll(async () => {
    expect(existsSync(CLI), 'build the runner first (pnpm turbo run build --filter=@ofs/runner...)').toBe(true);
    const demo = await cli(['demo', '--dir', dir, '--events', '300', '--json']);
    expect(demo.code).toBe(0);
    manifestKey = demo.json().manifest_key;
    runKey = demo.json().runs.build.run_key;
    const manifest = JSON.parse(await readFile(join(store, manifestKey), 'utf8'));
    const prefix = `${manifest.platform_run_id}/ofs`;
    keys = {
      plan: manifest.evidence.plan.key,
      replay: manifest.evidence.replay_receipt.key,
      labels: manifest.evidence.label_receipt.key,
      draft: manifest.evidence.draft_receipt.key,
      index: `${prefix}/index/by_plan/${manifest.plan_id}.json`,
    };
  });

  // Parquet parts as latin1 (byte-preserving), so they survive an edit and its undo; JSON as UTF-8.
  const encodingOf = (key: string) => (key.endsWith('.parquet') ? 'latin1' : 'utf8');
  const read = (key: string) => readFile(join(store, key), encodingOf(key));
  async function write(key: string, text: string): Promise<void> {
    if (existsSync(join(store, key))) await chmod(join(store, key), 0o644);
    await writeFile(join(store, key), text, encodingOf(key));
  }
  /** Applies `edit` to the store objects, runs `fn`, and puts every touched object back. */
  async function withTamper(edit: (o: Editor) => Promise<void>, fn: () => Promise<void>): Promise<void> {
    const saved = new Map<string, string | undefined>();
    const editor: Editor = {
      read,
      async write(key, text) {
        if (!saved.has(key)) saved.set(key, existsSync(join(store, key)) ? await read(key) : undefined);
        await write(key, text);
      },
    };
    await edit(editor);
    try {
      await fn();
    } finally {
      for (const [key, text] of saved) {
        if (text === undefined) await rm(join(store, key), { force: true });
        else await write(key, text);
      }
    }
  }
  interface Editor {
    read(key: string): Promise<string>;
    write(key: string, text: string): Promise<void>;
  }
  const flip = (key: () => string, find: RegExp, replace: string) => async (o: Editor) => {
    const text = await o.read(key());
    expect(text).toMatch(find);
    await o.write(key(), text.replace(find, replace));
  };
  const editManifest = (fn: (m: any) => void) => async (o: Editor) => {
    const m = JSON.parse(await o.read(manifestKey));
    fn(m);
    await o.write(manifestKey, canonicalJson(m));
  };

  it('verifies the untouched demo dataset, with the ledger and the manifest sha256 its run recorded', async () => {
    const verify = await ofs(['verify', manifestKey, '--dir', dir, '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    const sha = sha256Hex(await readFile(join(store, manifestKey)));
    expect(verify.json()).toMatchObject({ ok: true, manifest_sha256: sha, notes: [] });
    expect(verify.json().ledger.runs).toEqual(expect.arrayContaining([expect.objectContaining({ run_key: runKey, manifest_sha256: sha })]));
  });

  const tampers: [string, (o: Editor) => Promise<void>, string][] = [
    ['a byte flipped in the replay receipt', flip(() => keys.replay, /"mismatches":0/, '"mismatches":1'), 'evidence.replay_receipt.sha256'],
    [
      'a byte flipped in the label receipt',
      flip(() => keys.labels, /"coverage":0\.(\d)/, '"coverage":0.0'),
      'evidence.label_receipt.sha256',
    ],
    [
      'a byte flipped in the draft receipt',
      flip(() => keys.draft, /"duplicates_dropped":(\d)/, '"duplicates_dropped":9$1'),
      'evidence.draft_receipt.sha256',
    ],
    ['a byte flipped in the plan', flip(() => keys.plan, /"config_revision":"/, '"config_revision":"x'), 'evidence.plan.sha256'],
    ['the manifest training_posture edited', editManifest((m) => (m.training_posture = 'NON_TRAINING')), 'claim.training_posture'],
    ['the manifest label status edited', editManifest((m) => (m.label_status = 'NOT_READY_FOR_TRAINING')), 'claim.label_status'],
    [
      'the manifest label_asof_utc edited',
      editManifest((m) => (m.label_basis.label_asof_utc = '2030-01-01T00:00:00Z')),
      'claim.label_basis.label_asof_utc',
    ],
    ['the manifest status_class edited', editManifest((m) => (m.status_class = 'INCOMPLETE_EXPLICIT')), 'claim.status_class'],
    [
      'a receipt evidence sha256 edited',
      editManifest((m) => (m.evidence.draft_receipt.sha256 = '0'.repeat(64))),
      'evidence.draft_receipt.sha256',
    ],
    [
      'the by-plan index pointing at another sha256',
      async (o) => {
        const index = JSON.parse(await o.read(keys.index));
        await o.write(keys.index, canonicalJson({ ...index, manifest: { ...index.manifest, sha256: 'a'.repeat(64) } }));
      },
      'index.manifest.sha256',
    ],
    [
      'the manifest re-indented',
      async (o) => o.write(manifestKey, JSON.stringify(JSON.parse(await o.read(manifestKey)), null, 2)),
      'manifest.canonical_form',
    ],
  ];
  for (const [name, edit, check] of tampers) {
    it(`exits 1 for ${name} (${check})`, async () => {
      await withTamper(edit, async () => {
        const verify = await ofs(['verify', manifestKey, '--dir', dir, '--no-ledger', '--json']);
        expect(verify.code, verify.stderr).toBe(1);
        expect(verify.stderr).toMatch(/^DATASET_INTEGRITY_VIOLATION: .*\n {2}fix: /);
        expect(verify.json().error.details.differences.map((d: { check: string }) => d.check)).toContain(check);
      });
    });
  }

  it('exits 1 for a consistent edit of rows, part digest, rows_digest, draft and index — caught only through the ledger', async () => {
    const forge = async (o: Editor) => {
      const manifest = JSON.parse(await o.read(manifestKey));
      const old = manifest.parts[0];
      // The demo's parts are Parquet: decode the first part, change one label, re-encode it with the pinned writer.
      const format = manifest.part_format.format;
      const rows = await decodeParquetPart(Buffer.from(await o.read(old.key), 'latin1'), manifest.columns, old.key);
      const victim = rows.find((r) => r.label_is_fraud === 'LEGIT') ?? rows[0]!;
      victim.label_is_fraud = 'FRAUD';
      const lines = Buffer.from(rows.map((r) => `${canonicalJson(r)}\n`).join(''), 'utf8');
      const encoder = await createParquetPartEncoder(manifest.columns, manifest.part_format);
      const bytes = Buffer.from(encoder.encode(lines, rows.length));
      const sha = sha256Hex(bytes);
      const part = { ...old, key: old.key.replace(old.sha256, sha), sha256: sha, bytes: bytes.length };
      await o.write(part.key, bytes.toString('latin1'));
      const others = await Promise.all(
        manifest.parts
          .slice(1)
          .map(
            async (p: { key: string }) =>
              (await partLines(Buffer.from(await o.read(p.key), 'latin1'), format, manifest.columns, p.key)).lines,
          ),
      );
      // ofs.rows_digest.v3: per partition, combined in part (basis) order.
      const byPartition = new PartitionDigests();
      manifest.parts.forEach((p: { topic: string; partition: number }, i: number) => {
        byPartition.of(p.topic, p.partition).update(i === 0 ? lines : others[i - 1]);
      });
      const rowsDigest = byPartition.digestHex();
      const bytesTotal = manifest.bytes_total - old.bytes + bytes.length;
      const draft = { ...JSON.parse(await o.read(keys.draft)) };
      draft.parts = [part, ...draft.parts.slice(1)];
      draft.rows_digest = rowsDigest;
      draft.bytes_total = bytesTotal;
      await o.write(keys.draft, canonicalJson(draft));
      manifest.parts = draft.parts;
      manifest.rows_digest = rowsDigest;
      manifest.bytes_total = bytesTotal;
      manifest.evidence.draft_receipt.sha256 = sha256Hex(canonicalJson(draft));
      await o.write(manifestKey, canonicalJson(manifest));
      const index = JSON.parse(await o.read(keys.index));
      await o.write(keys.index, canonicalJson({ ...index, manifest: { ...index.manifest, sha256: sha256Hex(canonicalJson(manifest)) } }));
    };
    await withTamper(forge, async () => {
      const storeOnly = await ofs(['verify', manifestKey, '--dir', dir, '--no-ledger']);
      expect(storeOnly.code, storeOnly.stderr).toBe(0);
      const verify = await ofs(['verify', manifestKey, '--dir', dir, '--json']);
      expect(verify.code, verify.stderr).toBe(1);
      const checks = verify.json().error.details.differences.map((d: { check: string }) => d.check);
      expect(checks).toEqual(expect.arrayContaining(['ledger.manifest_sha256', 'ledger.artifact_digests.draft_receipt']));
    });
  });

  it('a deleted manifest: status and verify say MANIFEST_MISSING (exit 1), gc keeps the parts, retry-publish re-creates it byte-identically', async () => {
    const original = await readFile(join(store, manifestKey));
    const parts = JSON.parse(original.toString('utf8')).parts.map((p: { key: string }) => p.key);
    await rm(join(store, manifestKey));

    const status = await ofs(['status', runKey, '--dir', dir, '--json']);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^MANIFEST_MISSING: .*\n {2}fix: .*retry-publish/);
    expect(status.json().manifest).toMatchObject({ key: manifestKey, present: false });

    const verify = await ofs(['verify', manifestKey, '--dir', dir, '--json']);
    expect(verify.code).toBe(1);
    expect(verify.json().error).toMatchObject({ code: 'MANIFEST_MISSING' });

    const gc = await ofs(['gc', '--dir', dir, '--apply', '--grace-hours', '0', '--json']);
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.json().unreferenced).toEqual([]);
    expect(gc.json().missing_manifests).toEqual(expect.arrayContaining([{ run_key: runKey, manifest_key: manifestKey }]));
    for (const key of parts) expect(existsSync(join(store, key))).toBe(true);

    const retry = await ofs(['retry-publish', runKey, '--dir', dir, '--json']);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.json()).toMatchObject({ restored: true, manifest_key: manifestKey, manifest_sha256: sha256Hex(original) });
    expect(await readFile(join(store, manifestKey))).toEqual(original);
    expect((await ofs(['status', runKey, '--dir', dir])).code).toBe(0);
    expect((await ofs(['verify', manifestKey, '--dir', dir])).code).toBe(0);
  }, 300_000); // seven processes, each opening the embedded database
});
