/** Per-run workspaces: a clone of the repository on the run's own branch, and the one way to resolve paths inside it. */
export { PathOutsideWorkspaceError, relativeToWorkspace, resolveInside } from './paths.ts';
export {
  branchName,
  type CreateWorkspaceOptions,
  createWorkspace,
  markWorkspaceFinished,
  recordWorkspace,
  type Workspace,
  workspacePath,
  workspacesDir,
} from './workspace.ts';
