import { describe, expect, it } from 'vitest';
import { backoffDelay, sleepWithSignal, withBackoff } from './backoff.js';
import { isOfsError, OfsError } from './errors.js';

const noWait = async () => {};

describe('backoffDelay', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const o = { baseMs: 100, factor: 2, maxMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((r) => backoffDelay(r, o))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
  it('full jitter draws within [0, d]', () => {
    expect(backoffDelay(3, { baseMs: 100, random: () => 0 })).toBe(400);
    expect(backoffDelay(3, { baseMs: 100, random: () => 0.5 })).toBe(200);
    expect(backoffDelay(3, { baseMs: 100, random: () => 0.999999 })).toBe(0);
  });
  it('refuses a retry number below 1', () => {
    expect(() => backoffDelay(0)).toThrow(OfsError);
  });
});

describe('withBackoff', () => {
  it('retries retryable failures and returns the first success', async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await withBackoff(
      async () => {
        calls++;
        if (calls < 3) throw new OfsError('STORE_UNAVAILABLE');
        return 'ok';
      },
      { sleep: noWait, jitter: 0, baseMs: 10, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([10, 20]);
  });
  it('stops at once on a failure that is not retryable', async () => {
    let calls = 0;
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw new OfsError('SCHEMA_INVALID');
        },
        { sleep: noWait },
      ),
    ).rejects.toSatisfy((e) => isOfsError(e, 'SCHEMA_INVALID'));
    expect(calls).toBe(1);
  });
  it('rethrows the last failure when attempts are spent', async () => {
    let calls = 0;
    await expect(
      withBackoff(
        async () => {
          calls++;
          throw new OfsError('STORE_UNAVAILABLE', { details: { call: calls } });
        },
        { attempts: 4, sleep: noWait },
      ),
    ).rejects.toSatisfy((e) => isOfsError(e, 'STORE_UNAVAILABLE') && e.details.call === 4);
    expect(calls).toBe(4);
  });
  it('aborts while waiting', async () => {
    const controller = new AbortController();
    const pending = withBackoff(
      async () => {
        throw new OfsError('STORE_UNAVAILABLE');
      },
      { baseMs: 60_000, jitter: 0, signal: controller.signal },
    );
    controller.abort();
    await expect(pending).rejects.toSatisfy((e) => isOfsError(e, 'ABORTED'));
  });
  it('sleepWithSignal refuses an already aborted signal', async () => {
    await expect(sleepWithSignal(10, AbortSignal.abort())).rejects.toSatisfy((e) => isOfsError(e, 'ABORTED'));
  });
});
