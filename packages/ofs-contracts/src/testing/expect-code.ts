import { expect } from 'vitest';
import { isOfsError } from '../errors.js';

/** Awaits `promise` and expects it to reject with an `OfsError` of `code` (shared by the contract suites). */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(isOfsError(caught), `expected OfsError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
}
