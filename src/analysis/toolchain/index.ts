export { runtimePaths, toolEnvironment } from './environment.ts';
export {
  type InstallOptions,
  type InstallPhase,
  type InstallProgress,
  installTools,
  PYTHON_CONSTRAINTS,
  resolveTools,
} from './install.ts';
export { probeVersion, type ToolState, toolState, toolStatus } from './status.ts';
