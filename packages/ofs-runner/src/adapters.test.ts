import { createMemoryObjectStore, isOfsError, type ReplayRecord, type ReplaySlice, type ReplaySource } from '@ofs/contracts';
import { sampleReplayRecord } from '@ofs/contracts/testing';
import { writeArchiveRecords } from '@ofs/archive-s3';
import { envelopeHash } from '@ofs/ids';
import { connectNats, publishToJetStream } from '@ofs/source-nats';
import { describe, expect, it } from 'vitest';
import { openAdapters, parseAdaptersConfig } from './adapters.js';

const URL = process.env.OFS_TEST_NATS_URL;
if (!URL) console.warn('OFS_TEST_NATS_URL is not set: the NATS adapter wiring test is skipped (set it to nats://127.0.0.1:4222)');
const T = 'fp.bus.traffic.fraud.v1';
const RUN = 'platform_20260210T113700Z';

async function collect(source: ReplaySource | undefined, slice: ReplaySlice): Promise<ReplayRecord[]> {
  if (source === undefined) throw new Error('no source');
  const out: ReplayRecord[] = [];
  for await (const r of source.read(slice, { start: slice.start_offset, end: slice.end_offset })) out.push(r);
  return out;
}

describe('parseAdaptersConfig', () => {
  it('accepts known packages in their roles, and nothing else', () => {
    expect(parseAdaptersConfig(undefined)).toEqual({});
    const ok = { eb: { package: '@ofs/source-nats', stream: 'EVENTS' }, archive: { package: '@ofs/archive-s3', platform_run_id: RUN } };
    expect(parseAdaptersConfig(ok)).toEqual(ok);
    for (const bad of [
      { eb: { package: '@ofs/archive-s3', platform_run_id: RUN } },
      { store: { package: '@ofs/source-nats' } },
      { bus: { package: '@ofs/source-nats' } },
      { eb: { stream: 'x' } },
      { eb: { package: 'left-pad' } },
    ]) {
      expect(() => parseAdaptersConfig(bad)).toThrow(expect.objectContaining({ code: 'CORRIDOR_CONFIG_INVALID' }));
    }
  });

  it('refuses credentials in the file: they come only from the environment', () => {
    for (const bad of [
      { eb: { package: '@ofs/source-nats', stream: 'E', password: 'hunter2' } },
      { eb: { package: '@ofs/source-nats', stream: 'E', token: 's3cr3t' } },
      { eb: { package: '@ofs/source-nats', stream: 'E', servers: ['nats://ofs:hunter2@nats.example:4222'] } },
      { store: { package: '@ofs/store-s3', bucket: 'b', secret_access_key: 'x' } },
      { store: { package: '@ofs/store-s3', bucket: 'b', extra: { accessKeyId: 'AKIA' } } },
    ]) {
      let error: unknown;
      try {
        parseAdaptersConfig(bad);
      } catch (e) {
        error = e;
      }
      expect(isOfsError(error, 'CORRIDOR_CONFIG_INVALID')).toBe(true);
      expect(JSON.stringify((error as Error).message)).not.toMatch(/hunter2|s3cr3t/);
    }
  });
});

describe('openAdapters', () => {
  it('names a package that is not installed with ADAPTER_NOT_INSTALLED', async () => {
    const missing = async (name: string) => {
      throw Object.assign(new Error(`Cannot find package '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    for (const adapters of [
      { store: { package: '@ofs/store-s3', bucket: 'b' } },
      { eb: { package: '@ofs/source-kinesis', stream: 's' } },
      { eb: { package: '@ofs/source-nats', stream: 's' } },
    ]) {
      await expect(
        openAdapters(parseAdaptersConfig(adapters), {
          env: {},
          store: () => createMemoryObjectStore(),
          verifyHashes: false,
          importer: missing,
        }),
      ).rejects.toSatisfy((e: unknown) => isOfsError(e, 'ADAPTER_NOT_INSTALLED') && !e.retryable && typeof e.details.package === 'string');
    }
  });

  it('opens the archive layout on the corridor store', async () => {
    const store = createMemoryObjectStore();
    const r = await sampleReplayRecord(T, 0, 'kafka_offset', '7');
    const record = {
      ...r,
      payload_hash: envelopeHash({ event_id: r.event_id, ts_utc: r.ts_utc, payload: r.payload as Record<string, unknown> }),
    };
    await writeArchiveRecords({
      store,
      records: [record],
      context: {
        platform_run_id: RUN,
        scenario_run_id: 's'.repeat(32),
        scenario_id: 'x',
        parameter_hash: 'p'.repeat(64),
        manifest_fingerprint: 'm'.repeat(64),
        archived_at_utc: '2026-02-10T12:00:00Z',
      },
    });
    const opened = await openAdapters(parseAdaptersConfig({ archive: { package: '@ofs/archive-s3', platform_run_id: RUN } }), {
      env: {},
      store: () => store,
      verifyHashes: true,
    });
    const slice = { topic: T, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '10' };
    expect(opened.eb).toBeUndefined();
    expect(await opened.archive?.coverage(slice)).toEqual([{ start: '7', end: '7' }]);
    expect(await collect(opened.archive, slice)).toEqual([record]);
    await opened.close();
  });

  it.skipIf(!URL)('opens a NATS JetStream EB named in the config and reads what was published', async () => {
    const stream = `ofs_adapters_${Math.random().toString(36).slice(2, 8)}`;
    const connection = await connectNats({ servers: URL as string });
    try {
      const held = await publishToJetStream({
        connection,
        stream,
        subjectFor: (topic, partition) => `events_${stream}.${topic}.${partition}`,
        records: [await sampleReplayRecord(T, 1, 'kafka_offset', '1'), await sampleReplayRecord(T, 1, 'kafka_offset', '2')],
        createStream: { subjects: [`events_${stream}.>`] },
      });
      const opened = await openAdapters(
        parseAdaptersConfig({ eb: { package: '@ofs/source-nats', servers: URL, stream, subject_prefix: `events_${stream}` } }),
        { env: {}, store: () => createMemoryObjectStore(), verifyHashes: false },
      );
      const slice = { topic: T, partition: 1, offset_kind: 'jetstream_sequence', start_offset: '1', end_offset: '100' };
      expect(await opened.eb?.coverage(slice)).toEqual([{ start: '1', end: '2' }]);
      expect(await collect(opened.eb, slice)).toEqual(held);
      await opened.close();
    } finally {
      await (await connection.jetstreamManager()).streams.delete(stream).catch(() => undefined);
      await connection.close();
    }
  });

  it('an unreachable NATS server named in the config is REPLAY_SOURCE_UNAVAILABLE (retryable)', async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const p = (server.address() as { port: number }).port;
        server.close(() => resolve(p));
      });
    });
    let error: unknown;
    try {
      await openAdapters(
        parseAdaptersConfig({ eb: { package: '@ofs/source-nats', servers: `nats://127.0.0.1:${port}`, stream: 'E', retry_attempts: 1 } }),
        {
          env: { NATS_USER: 'ofs-user', NATS_PASSWORD: 'sentinel-password-7f3a' },
          store: () => createMemoryObjectStore(),
          verifyHashes: false,
        },
      );
    } catch (e) {
      error = e;
    }
    expect(isOfsError(error, 'REPLAY_SOURCE_UNAVAILABLE') && error.retryable).toBe(true);
    // The credentials from the environment appear nowhere in what the error carries or prints.
    const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
    expect(shown).not.toContain('sentinel-password-7f3a');
  });
});
