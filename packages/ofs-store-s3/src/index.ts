export { type ConditionalWriteProbeOptions, type ConditionalWriteProbeResult, probeConditionalWrites } from './probe.js';
export { httpStatusOf, type S3CallContext, s3CodeOf, toStoreError } from './s3-errors.js';
export { isPreconditionFailed, openS3ObjectStore, S3_MAX_SINGLE_PUT_BYTES, type S3ObjectStoreOptions } from './s3-object-store.js';
