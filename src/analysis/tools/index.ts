import { bandit } from './bandit.ts';
import { black } from './black.ts';
import { checkstyle } from './checkstyle.ts';
import { clippy } from './clippy.ts';
import { codespell } from './codespell.ts';
import { cppcheck } from './cppcheck.ts';
import type { ToolDescriptor } from './descriptor.ts';
import { eslint } from './eslint.ts';
import { flake8 } from './flake8.ts';
import { gitleaks } from './gitleaks.ts';
import { govet } from './govet.ts';
import { mypy } from './mypy.ts';
import { prettier } from './prettier.ts';
import { pylint } from './pylint.ts';
import { rubocop } from './rubocop.ts';
import { ruff } from './ruff.ts';
import { safety } from './safety.ts';
import { semgrep } from './semgrep.ts';
import { shellcheck } from './shellcheck.ts';
import { snyk } from './snyk.ts';
import { staticcheck } from './staticcheck.ts';
import { yamllint } from './yamllint.ts';

export type { ArgvContext, InstallRoute, ToolDescriptor, ToolEnvironment, ToolOutput } from './descriptor.ts';
export { installCommand, ToolOutputError } from './descriptor.ts';
export { compileGlobs, globToRegExp } from './glob.ts';

/** Every tool Orbit knows, in the order tables list them. The runner, `orbit doctor` and the docs read this. */
export const TOOLS: readonly ToolDescriptor[] = [
  eslint,
  prettier,
  ruff,
  pylint,
  flake8,
  black,
  bandit,
  mypy,
  shellcheck,
  yamllint,
  codespell,
  semgrep,
  gitleaks,
  rubocop,
  cppcheck,
  checkstyle,
  govet,
  staticcheck,
  clippy,
  safety,
  snyk,
];

export type AnalysisMode = 'quick' | 'standard' | 'deep';

/** Named tool sets: quick = fast linters; standard adds formatters, security and types; deep runs everything. */
export const MODES: Record<AnalysisMode, readonly string[]> = {
  quick: ['ruff', 'eslint', 'shellcheck', 'yamllint'],
  standard: [
    'ruff',
    'flake8',
    'black',
    'bandit',
    'mypy',
    'eslint',
    'prettier',
    'shellcheck',
    'yamllint',
    'codespell',
    'gitleaks',
    'rubocop',
    'cppcheck',
    'checkstyle',
    'govet',
    'staticcheck',
    'clippy',
    'safety',
    'snyk',
  ],
  deep: TOOLS.map((t) => t.name),
};

export function findTool(name: string): ToolDescriptor | undefined {
  return TOOLS.find((t) => t.name === name);
}
