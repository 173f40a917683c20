export {
  type CachedSnapshot,
  findCachedSnapshot,
  modelCacheDir,
  readSnapshotManifest,
  type SnapshotFile,
  type SnapshotManifest,
  snapshotDir,
  snapshotManifestFile,
} from './cache/model-cache.js';
export { downloadFile, type FileDownload, type FileDownloadResult } from './download/download-file.js';
export type { ExpectedContent } from './download/file-digest.js';
export { DownloadError, type DownloadErrorOptions, type DownloadFailure } from './errors/download-error.js';
export { ModelNotFoundError } from './errors/model-not-found-error.js';
export {
  defaultHubEndpoint,
  defaultHubTimeoutMs,
  type HubOptions,
  maxHubRedirects,
  type ResolvedHubOptions,
  resolveHubOptions,
} from './hub/hub-options.js';
export { listRepoFiles, type RepoFile, type RepoListing } from './listing/list-repo-files.js';
export { type PulledFile, type PullOptions, type PullProgress, type PullResult, pullModel } from './pull/pull-model.js';
export { isRepoId, parseRepoId, type RepoId } from './repo/repo-id.js';
export { checkRevision, isCommitSha, isRevisionName } from './repo/revision.js';
export { findModelPath, type ResolveModelOptions, resolveModelPath } from './resolve/resolve-model-path.js';
export { defaultGgufQuant, type GgufVariant, ggufVariants } from './select/gguf-variants.js';
export { globMatcher } from './select/glob.js';
export { isOnnxDtype, type OnnxDtype, onnxDtypeSuffixes, onnxDtypes } from './select/onnx-dtypes.js';
export {
  type ModelFileSelection,
  modelMetadataFiles,
  type SelectOptions,
  safetensorsIndexFile,
  selectModelFiles,
} from './select/select-model-files.js';
