import { type AbortOptions, isOfsError, type LabelAppender, type LabelAssertionInput, OfsError, throwIfAborted } from '@ofs/contracts';
import { isReferenceLabelAssertion } from './reference-assertion.js';

/** Options of `importLabelAssertions`. */
export interface LabelImportOptions extends AbortOptions {
  /** Assertions per `append` call (each call is atomic). Default 20,000. */
  batchSize?: number;
  /** Called after each appended batch with the number of assertions appended so far. */
  onProgress?: (assertions: number) => void;
}

/** What `importLabelAssertions` loaded. */
export interface LabelImportResult {
  /** Non-blank lines read (one assertion each). */
  readonly assertions: number;
  /** Of those, assertions in the reference Label Store's shape. */
  readonly reference: number;
  /** `append` calls made. */
  readonly batches: number;
}

const DEFAULT_BATCH = 20_000;

/**
 * Bulk-loads JSON Lines of label assertions (ours or the reference Label Store's, mixed freely)
 * through a store's `LabelAppender` capability — the import path, separate from reading. Lines are
 * appended in batches; each batch is atomic and appending is idempotent by id, so an interrupted
 * import is simply run again. A line that is not JSON, or a batch the store refuses, stops the
 * import with the line numbers of the failing batch in the error (`details.lines`); the batches
 * before it stay appended.
 */
export async function importLabelAssertions(
  appender: LabelAppender,
  lines: AsyncIterable<string> | Iterable<string>,
  options: LabelImportOptions = {},
): Promise<LabelImportResult> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new OfsError('SCHEMA_INVALID', { message: `batchSize must be a positive integer, got ${String(batchSize)}` });
  }
  let batch: LabelAssertionInput[] = [];
  let firstLine = 0;
  let lineNo = 0;
  let assertions = 0;
  let reference = 0;
  let batches = 0;

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    throwIfAborted(options.signal);
    try {
      await appender.append(batch, options.signal === undefined ? undefined : { signal: options.signal });
    } catch (error) {
      if (!isOfsError(error)) throw error;
      throw new OfsError(error.code, {
        message: `lines ${firstLine}–${lineNo}: ${error.message}`,
        details: { ...error.details, lines: [firstLine, lineNo] },
        cause: error,
      });
    }
    batches++;
    assertions += batch.length;
    batch = [];
    options.onProgress?.(assertions);
  };

  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new OfsError('LABEL_ASSERTION_INVALID', { message: `line ${lineNo} is not JSON`, details: { lines: [lineNo, lineNo] } });
    }
    if (batch.length === 0) firstLine = lineNo;
    if (isReferenceLabelAssertion(value)) reference++;
    batch.push(value as LabelAssertionInput);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { assertions, reference, batches };
}
