import { OfsError } from '@ofs/contracts';
import { describe, expect, it } from 'vitest';
import { toSourceError } from './errors.js';

function sdkError(name: string, status?: number): Error {
  const error = new Error(name) as Error & { $metadata?: { httpStatusCode?: number } };
  error.name = name;
  if (status !== undefined) error.$metadata = { httpStatusCode: status };
  return error;
}

describe('toSourceError', () => {
  it.each([
    ['ResourceNotFoundException', 400, 'REPLAY_SOURCE_NOT_FOUND', false],
    ['AccessDeniedException', 400, 'REPLAY_SOURCE_NOT_FOUND', false],
    ['UnrecognizedClientException', 400, 'REPLAY_SOURCE_NOT_FOUND', false],
    ['ProvisionedThroughputExceededException', 400, 'REPLAY_SOURCE_UNAVAILABLE', true],
    ['LimitExceededException', 400, 'REPLAY_SOURCE_UNAVAILABLE', true],
    ['ExpiredIteratorException', 400, 'REPLAY_SOURCE_UNAVAILABLE', true],
    ['InternalFailure', 500, 'REPLAY_SOURCE_UNAVAILABLE', true],
    ['InvalidArgumentException', 400, 'REPLAY_SOURCE_UNAVAILABLE', false],
  ] as const)('maps %s (HTTP %i) to %s, retryable %s', (name, status, code, retryable) => {
    const mapped = toSourceError(sdkError(name, status), 'bus', 'GetRecords');
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(mapped.details).toMatchObject({ stream: 'bus', operation: 'GetRecords', kinesis_code: name });
  });

  it('maps network failures to retryable REPLAY_SOURCE_UNAVAILABLE, aborts to ABORTED, and passes OfsErrors through', () => {
    expect(toSourceError(new Error('connect ECONNREFUSED'), 'bus', 'ListShards').retryable).toBe(true);
    expect(toSourceError(sdkError('AbortError'), 'bus', 'ListShards', AbortSignal.abort()).code).toBe('ABORTED');
    const own = new OfsError('REPLAY_RECORD_INVALID');
    expect(toSourceError(own, 'bus', 'x')).toBe(own);
  });
});
