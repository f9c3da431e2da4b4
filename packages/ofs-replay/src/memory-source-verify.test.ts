import { isOfsError, type ReplayRecord } from '@ofs/contracts';
import { describeReplaySourceContract } from '@ofs/contracts/testing';
import { envelopeHash } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { createMemoryReplaySource } from './memory-source.js';

describeReplaySourceContract('memory (verifyHashes)', async (records) => createMemoryReplaySource(records, { verifyHashes: true }));

const T = 'fp.bus.traffic.fraud.v1';
const slice = { topic: T, partition: 0, offset_kind: 'kafka_offset', start_offset: '0', end_offset: '100' };

function record(offset: number, envelope?: Record<string, unknown>): ReplayRecord {
  const base = {
    topic: T,
    partition: 0,
    offset_kind: 'kafka_offset',
    offset: String(offset),
    event_id: `ev_${offset}`,
    ts_utc: '2026-02-10T10:00:07.000000Z',
    payload: { amount: '12.50', n: offset },
    ...(envelope === undefined ? {} : { envelope }),
  };
  return { ...base, payload_hash: envelopeHash(base) } as ReplayRecord;
}

async function codeOf(records: ReplayRecord[], verifyHashes: boolean): Promise<string> {
  try {
    for await (const _ of createMemoryReplaySource(records, { verifyHashes }).read(slice, { start: '0', end: '100' })) {
      // drain
    }
    return 'OK';
  } catch (error) {
    return isOfsError(error) ? error.code : `raw:${String(error)}`;
  }
}

describe('createMemoryReplaySource({ verifyHashes })', () => {
  it('catches one flipped digit of ts_utc, event_id, a payload value or an envelope field', async () => {
    const good = [record(0), record(1, { event_type: 'auth' }), record(2)];
    expect(await codeOf(good, true)).toBe('OK');
    const tampered: [string, ReplayRecord][] = [
      ['ts_utc', { ...good[1]!, ts_utc: '2026-02-10T10:00:08.000000Z' }],
      ['event_id', { ...good[1]!, event_id: 'ev_2' }],
      ['payload', { ...good[1]!, payload: { amount: '12.51', n: 1 } }],
      ['envelope', { ...good[1]!, envelope: { event_type: 'autH' } }],
      ['envelope dropped', { ...good[1]!, envelope: undefined } as unknown as ReplayRecord],
      ['hash', { ...good[1]!, payload_hash: `${good[1]!.payload_hash.slice(0, 63)}0` }],
    ];
    for (const [what, bad] of tampered) {
      const records = [good[0]!, bad, good[2]!];
      expect([what, await codeOf(records, true)]).toEqual([what, 'REPLAY_RECORD_INVALID']);
      expect([what, await codeOf(records, false)]).toEqual([what, 'OK']);
    }
  });

  it('verifies only what is read, every time it is read', async () => {
    const records = [record(0), { ...record(50), ts_utc: 'tampered' }];
    const source = createMemoryReplaySource(records, { verifyHashes: true });
    const first: string[] = [];
    for await (const r of source.read(slice, { start: '0', end: '10' })) first.push(r.offset);
    expect(first).toEqual(['0']);
    await expect(
      (async () => {
        for await (const _ of source.read(slice, { start: '0', end: '100' })) {
          // drain
        }
      })(),
    ).rejects.toSatisfy((e: unknown) => isOfsError(e, 'REPLAY_RECORD_INVALID'));
  });
});
