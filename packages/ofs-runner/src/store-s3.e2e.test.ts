import { createMemoryObjectStore, type ObjectStore, type RunRecord } from '@ofs/contracts';
import { writeOnceJson } from '@ofs/ids';
import { verifyDataset } from '@ofs/publish';
import { openS3ObjectStore } from '@ofs/store-s3';
import { createTestBucket, missingRadosgwBinaries, type RadosgwServer, s3ClientFor, startRadosgw } from '@ofs/store-s3/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_RUN_FACTS_REF, demoRunFacts } from './demo/fixtures.js';
import { keysUnder, memoryWorld } from './test-support/memory-world.js';

const missing = missingRadosgwBinaries();

async function buildInto(store: ObjectStore): Promise<{ done: RunRecord; world: Awaited<ReturnType<typeof memoryWorld>> }> {
  await writeOnceJson(store, DEMO_RUN_FACTS_REF, demoRunFacts());
  const world = await memoryWorld({ wrapStore: () => store });
  const { run } = await world.corridor.submit(world.intent());
  const done = await world.corridor.runBuild(run.run_key);
  return { done, world };
}

if (missing.length > 0) {
  console.warn(
    `SKIPPED dataset-on-S3 e2e: missing ${missing.join(', ')} (apt-get install --no-install-recommends radosgw ceph-mon ceph-osd)`,
  );
  describe.skip('a dataset published to S3 (Ceph radosgw) verifies (binaries absent)', () => {
    it('builds, publishes and verifies over the S3 store', () => undefined);
  });
} else {
  describe('a dataset published to S3 (Ceph radosgw)', () => {
    let server: RadosgwServer;
    beforeAll(async () => {
      server = await startRadosgw();
    }, 120_000);
    afterAll(async () => server?.stop());

    it('is published through the S3 store, verifies with the ledger, and has the same bytes as a build into memory', async () => {
      const client = s3ClientFor(server);
      const store = await openS3ObjectStore({ client, bucket: await createTestBucket(client, 'dataset'), prefix: 'corridor/' });
      const onS3 = await buildInto(store);
      expect(onS3.done.state).toBe('DONE');
      const manifestKey = onS3.done.manifest_key as string;
      const report = await verifyDataset(manifestKey, { store, ledger: onS3.world.ledger });
      expect(report.rows).toBeGreaterThan(0);
      expect(report.ledger?.runs.map((r) => r.outcome)).toEqual(['NEW']);

      // The same build into memory publishes byte-identical objects under the same keys.
      const inMemory = await buildInto(createMemoryObjectStore());
      expect(inMemory.done.state).toBe('DONE');
      expect(inMemory.done.manifest_key).toBe(manifestKey);
      const prefix = `${onS3.done.platform_run_id}/ofs/`;
      const s3Keys = await keysUnder(store, prefix);
      expect(s3Keys).toEqual(await keysUnder(inMemory.world.deps.store, prefix));
      for (const key of s3Keys) {
        const [a, b] = [await store.get(key), await inMemory.world.deps.store.get(key)];
        expect(Buffer.compare(Buffer.from(a ?? []), Buffer.from(b ?? [])), key).toBe(0);
      }

      // A part replaced on S3 (delete + put, which publication never does) is caught by verify.
      const part = s3Keys.find((k) => k.includes('/parts/')) as string;
      await store.delete?.(part);
      await store.putIfAbsent(part, new TextEncoder().encode('{}\n'));
      await expect(verifyDataset(manifestKey, { store, ledger: onS3.world.ledger })).rejects.toMatchObject({
        code: 'DATASET_INTEGRITY_VIOLATION',
      });
      client.destroy();
    }, 120_000);
  });
}
