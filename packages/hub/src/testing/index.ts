export {
  type HubTestFaults,
  type HubTestRepo,
  type HubTestRequest,
  type HubTestRevision,
  type HubTestServer,
  type HubTestServerOptions,
  startHubTestServer,
} from './hub-test-server.js';
