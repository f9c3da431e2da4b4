import { utf8 } from '@ofs/ids';
import { describe, expect, it } from 'vitest';
import { DEMO_PLATFORM_RUN_ID } from './demo/generate.js';
import { INBOX_REQUEST_SCHEMA_VERSION, inboxPrefix, inboxReceiptsPrefix } from './inbox.js';
import { keysUnder, memoryWorld } from './test-support/memory-world.js';

const PRID = DEMO_PLATFORM_RUN_ID;

async function receipt(world: Awaited<ReturnType<typeof memoryWorld>>, name: string) {
  const bytes = await world.store.get(`${inboxReceiptsPrefix(PRID)}${name}`);
  return bytes === undefined ? undefined : JSON.parse(new TextDecoder().decode(bytes));
}

describe('work({ inbox }): requests dropped as objects', () => {
  it('submits valid requests, receipts malformed ones with REQUEST_INVALID, and never lets a bad one block the others', async () => {
    const world = await memoryWorld();
    const put = (name: string, body: string) => world.store.putIfAbsent(`${inboxPrefix(PRID)}${name}`, utf8(body));
    // Sorted first, so a loop that died on it would never reach the valid ones (reference bug B1).
    await put('0-not-json.json', '{"request_id": ');
    await put('1-not-an-intent.json', JSON.stringify({ hello: 'world' }));
    await put('2-other-run.json', JSON.stringify(world.intent({ request_id: 'test.other.run.01', platform_run_id: 'platform_other_002' })));
    await put(
      '3-bad-envelope.json',
      JSON.stringify({ schema_version: INBOX_REQUEST_SCHEMA_VERSION, intent: world.intent(), supersedes: 'dm_x' }),
    );
    await put('4-valid.json', JSON.stringify({ schema_version: INBOX_REQUEST_SCHEMA_VERSION, intent: world.intent() }));
    await put('5-valid-bare.json', JSON.stringify(world.intent({ request_id: 'test.build.0002.same-meaning' })));
    await put(
      '6-payload-mismatch.json',
      JSON.stringify(
        world.intent({ label_basis: { label_asof_utc: '2026-11-04T00:00:00Z', resolution_rule: 'observed_time<=label_asof_utc' } }),
      ),
    );

    const summary = await world.corridor.work({ once: true, inbox: true, platformRunId: PRID });
    expect(summary.inbox).toEqual({ submitted: 2, rejected: 5 });
    expect(summary.states).toEqual({ DONE: 2 });
    for (const name of ['0-not-json.json', '1-not-an-intent.json', '2-other-run.json', '3-bad-envelope.json']) {
      expect(await receipt(world, name)).toMatchObject({ status: 'REJECTED', run_key: null, error: { code: 'REQUEST_INVALID' } });
    }
    expect((await receipt(world, '1-not-an-intent.json')).error.problems.length).toBeGreaterThan(3);
    expect(await receipt(world, '6-payload-mismatch.json')).toMatchObject({
      status: 'REJECTED',
      error: { code: 'REQUEST_ID_PAYLOAD_MISMATCH' },
    });
    const valid = await receipt(world, '4-valid.json');
    expect(valid).toMatchObject({ status: 'SUBMITTED', request_id: 'test.build.0001', error: null });
    expect(await world.corridor.ledger.get(valid.run_key)).toMatchObject({ state: 'DONE', outcome: 'NEW' });
    expect(await receipt(world, '5-valid-bare.json')).toMatchObject({ status: 'SUBMITTED' });

    // A second pass reads only new requests: nothing is submitted or receipted again.
    const again = await world.corridor.work({ once: true, inbox: true, platformRunId: PRID });
    expect(again.inbox).toEqual({ submitted: 0, rejected: 0 });
    expect(await keysUnder(world.store, inboxReceiptsPrefix(PRID))).toHaveLength(7);
  });

  it('needs a platform run to read an inbox', async () => {
    const world = await memoryWorld();
    await expect(world.corridor.work({ once: true, inbox: true })).rejects.toMatchObject({ code: 'CORRIDOR_CONFIG_INVALID' });
  });
});
