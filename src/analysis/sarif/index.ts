export { type BuildSarifOptions, buildSarifLog, MAX_REPAIR_NOTIFICATIONS } from './build.ts';
export {
  computeFingerprints,
  contentWindow,
  type FingerprintInput,
  LINE_HASH_KEY,
  ORBIT_FINGERPRINT_KEY,
  type ReadRepoFile,
} from './fingerprint.ts';
export {
  GITHUB_UPLOAD_LIMITS,
  type GithubExport,
  type GithubUploadLimits,
  githubUploadBytes,
  splitForGithub,
} from './github.ts';
export * from './model.ts';
export { relativePathToUri, repoRootUri, toRepoRelativePath, uriToRelativePath } from './paths.ts';
export type { RawFinding, RawLevel, RawReplacement, ToolRunResult, ToolStatus } from './types.ts';
export { type SarifValidation, validateSarif } from './validate.ts';
