import {
  type AbortOptions,
  isOfsError,
  type ObjectStore,
  OfsError,
  type Problem,
  throwIfAborted,
  validateBuildIntent,
} from '@ofs/contracts';
import { writeOnceJson } from '@ofs/ids';
import type { SubmitResult } from '@ofs/ledger';
import type { CorridorSubmitOptions } from './corridor-types.js';

/** Schema version of an inbox request envelope (a bare build intent is accepted too). */
export const INBOX_REQUEST_SCHEMA_VERSION = 'learning.ofs_inbox_request.v1';
/** Schema version of an inbox receipt. */
export const INBOX_RECEIPT_SCHEMA_VERSION = 'learning.ofs_inbox_receipt.v1';

/**
 * The receipt written for every inbox request, write-once at
 * `{platform_run_id}/ofs/inbox/receipts/{request name}`. No timestamps: two workers that race on
 * one request write the same bytes.
 */
export interface InboxReceipt {
  readonly schema_version: typeof INBOX_RECEIPT_SCHEMA_VERSION;
  readonly request_key: string;
  readonly status: 'SUBMITTED' | 'REJECTED';
  readonly run_key: string | null;
  readonly request_id: string | null;
  readonly error: { readonly code: string; readonly message: string; readonly problems: readonly Problem[] } | null;
}

/** What one inbox scan did. */
export interface InboxScan {
  submitted: number;
  rejected: number;
  /** Requests left for a later scan because a dependency was unavailable. */
  deferred: number;
}

/** The inbox prefix of a platform run. */
export function inboxPrefix(platformRunId: string): string {
  return `${platformRunId}/ofs/inbox/`;
}

/** The receipts prefix of a platform run's inbox. */
export function inboxReceiptsPrefix(platformRunId: string): string {
  return `${inboxPrefix(platformRunId)}receipts/`;
}

type Submit = (intent: unknown, options: CorridorSubmitOptions) => Promise<SubmitResult>;

const decoder = new TextDecoder('utf-8', { fatal: true });

function problem(path: string, message: string): Problem {
  return { path, code: 'REQUEST_INVALID', message };
}

/**
 * Reads the request objects under `{platformRunId}/ofs/inbox/` that have no receipt yet, submits
 * the valid ones and writes a receipt for every request: `SUBMITTED` with the run key, or
 * `REJECTED` with `REQUEST_INVALID` (unreadable, not JSON, not a valid intent, another platform
 * run) or the submit's own code (e.g. `REQUEST_ID_PAYLOAD_MISMATCH`). A bad request never blocks
 * the others; a request whose submit failed retryably gets no receipt and is tried again later.
 * Receipts are listed once per scan, so a scan reads only new requests.
 */
export async function scanInbox(store: ObjectStore, platformRunId: string, submit: Submit, options: AbortOptions = {}): Promise<InboxScan> {
  const prefix = inboxPrefix(platformRunId);
  const receipts = inboxReceiptsPrefix(platformRunId);
  const scan: InboxScan = { submitted: 0, rejected: 0, deferred: 0 };
  const done = new Set<string>();
  for await (const key of store.list(receipts, options)) done.add(key.slice(receipts.length));
  for await (const key of store.list(prefix, options)) {
    throwIfAborted(options.signal);
    if (key.startsWith(receipts)) continue;
    const name = key.slice(prefix.length);
    if (done.has(name)) continue;
    let receipt: InboxReceipt;
    try {
      receipt = await handleRequest(store, platformRunId, key, submit, options);
    } catch (error) {
      if (isOfsError(error, 'ABORTED')) throw error;
      scan.deferred++;
      continue;
    }
    try {
      await writeOnceJson(store, `${receipts}${name}`, receipt, options);
    } catch (error) {
      if (isOfsError(error, 'ABORTED')) throw error;
      scan.deferred++;
      continue;
    }
    if (receipt.status === 'SUBMITTED') scan.submitted++;
    else scan.rejected++;
  }
  return scan;
}

async function handleRequest(
  store: ObjectStore,
  platformRunId: string,
  key: string,
  submit: Submit,
  options: AbortOptions,
): Promise<InboxReceipt> {
  const rejected = (code: string, message: string, problems: readonly Problem[], requestId: string | null = null): InboxReceipt => ({
    schema_version: INBOX_RECEIPT_SCHEMA_VERSION,
    request_key: key,
    status: 'REJECTED',
    run_key: null,
    request_id: requestId,
    error: { code, message, problems },
  });
  const bytes = await store.get(key, options);
  if (bytes === undefined) throw new OfsError('REF_NOT_FOUND', { message: `inbox request ${key} vanished`, retryable: true });
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return rejected('REQUEST_INVALID', 'the request is not UTF-8 JSON', [problem('', 'not UTF-8 JSON')]);
  }
  let intent: unknown = json;
  let supersedes: string[] | undefined;
  let backfillReason: string | undefined;
  if (
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    (json as { schema_version?: unknown }).schema_version === INBOX_REQUEST_SCHEMA_VERSION
  ) {
    const envelope = json as { intent?: unknown; supersedes?: unknown; backfill_reason?: unknown };
    intent = envelope.intent;
    const problems: Problem[] = [];
    if (envelope.supersedes !== undefined) {
      if (!Array.isArray(envelope.supersedes) || envelope.supersedes.some((s) => typeof s !== 'string' || s.length === 0)) {
        problems.push(problem('/supersedes', 'supersedes must be an array of manifest ids'));
      } else supersedes = envelope.supersedes as string[];
    }
    if (envelope.backfill_reason !== undefined) {
      if (typeof envelope.backfill_reason !== 'string' || envelope.backfill_reason.length === 0)
        problems.push(problem('/backfill_reason', 'backfill_reason must be a non-empty string'));
      else backfillReason = envelope.backfill_reason;
    }
    if (problems.length > 0) return rejected('REQUEST_INVALID', 'the request envelope is invalid', problems);
  }
  const checked = validateBuildIntent(intent);
  const requestId =
    typeof (intent as { request_id?: unknown })?.request_id === 'string' ? (intent as { request_id: string }).request_id : null;
  if (!checked.ok) return rejected('REQUEST_INVALID', 'the request is not a valid build intent', checked.problems, requestId);
  if (checked.intent.platform_run_id !== platformRunId) {
    return rejected(
      'REQUEST_INVALID',
      `the intent belongs to platform run ${checked.intent.platform_run_id}, not this inbox's ${platformRunId}`,
      [problem('/platform_run_id', `must be ${platformRunId}`)],
      requestId,
    );
  }
  try {
    const { run } = await submit(checked.intent, {
      ...(supersedes ? { supersedes } : {}),
      ...(backfillReason === undefined ? {} : { backfillReason }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      schema_version: INBOX_RECEIPT_SCHEMA_VERSION,
      request_key: key,
      status: 'SUBMITTED',
      run_key: run.run_key,
      request_id: run.request_id,
      error: null,
    };
  } catch (error) {
    if (isOfsError(error) && !error.retryable) return rejected(error.code, error.message, [], requestId);
    throw error;
  }
}
