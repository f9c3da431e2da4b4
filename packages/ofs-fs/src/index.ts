// Local-filesystem adapters. One adapter per file; each helper adds its export line here.
export { createFsObjectStore, type FsObjectStoreOptions } from './fs-object-store.js';
export { createFileFeatureProfiles, type FileFeatureProfilesOptions } from './file-feature-profiles.js';
