export { RemoteAuthError } from './remote-auth-error.js';
export { RemoteHttpError } from './remote-http-error.js';
export { RemoteModelNotFoundError } from './remote-model-not-found-error.js';
export { RemoteProtocolError } from './remote-protocol-error.js';
export { RemoteTimeoutError } from './remote-timeout-error.js';
export { RemoteUnreachableError } from './remote-unreachable-error.js';
export { RemoteUnsupportedError } from './remote-unsupported-error.js';
