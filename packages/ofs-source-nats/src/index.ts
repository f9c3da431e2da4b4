// @ofs/source-nats: a ReplaySource over NATS JetStream.
export { type ConnectNatsOptions, connectNats } from './connect.js';
export { decodeEnvelope, type MessagePosition } from './envelope.js';
export { toSourceError } from './errors.js';
export { createNatsSource, type NatsSourceOptions } from './nats-source.js';
export { type PublishToJetStreamOptions, publishToJetStream } from './publish.js';
export { defaultSubjectMapping, JETSTREAM_SEQUENCE, type SubjectMapping } from './subjects.js';
