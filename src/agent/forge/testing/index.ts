export { type FakeGitHub, type FakeGitHubMode, type RecordedRequest, startFakeGitHub } from './server.ts';
