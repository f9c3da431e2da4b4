export { createTestBucket, type S3TestEndpoint, s3ClientFor } from './clients.js';
export { missingRadosgwBinaries, RADOSGW_BINARIES, type RadosgwServer, startRadosgw } from './radosgw.js';
