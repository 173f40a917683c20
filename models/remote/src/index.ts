export { RemoteConfig } from './config.js';
export {
  parseRemoteDescriptor,
  type RemoteDescriptor,
  readRemoteDescriptor,
  remoteDescriptorSchema,
} from './descriptor/remote-descriptor.js';
export {
  RemoteAuthError,
  RemoteHttpError,
  RemoteModelNotFoundError,
  RemoteProtocolError,
  RemoteTimeoutError,
  RemoteUnreachableError,
  RemoteUnsupportedError,
} from './errors/index.js';
export { RemoteClient, type RemoteClientOptions } from './http/remote-client.js';
export { parseRetryAfter } from './http/retry-after.js';
export { remoteTokenId } from './openai/stream-deltas.js';
export { createRemotePlugin, RemotePlugin } from './plugin.js';
