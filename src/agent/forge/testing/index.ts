export {
  type FakeGitHub,
  type FakeGitHubMode,
  type RecordedRequest,
  recordedLabel,
  startFakeGitHub,
} from './server.ts';
