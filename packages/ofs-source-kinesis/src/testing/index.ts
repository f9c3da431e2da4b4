export {
  createTestStream,
  type KinesisTestServer,
  kinesisClientFor,
  type PutToKinesisOptions,
  putToKinesis,
  startKinesalite,
} from './kinesalite.js';
