import fs from 'node:fs';
import path from 'node:path';
import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion } from './find.ts';
import { isRecord, parseJson, str } from './parse-helpers.ts';

const LEVELS: Record<string, RawLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
const SCORES: Record<string, number> = { critical: 9.5, high: 8, medium: 5.5, low: 2 };

/** The Snyk CLI binary the npm package downloads on first use (the npm shim alone cannot run offline). */
function snykBinary(nodeDir: string): string | undefined {
  const dir = path.join(nodeDir, 'node_modules', 'snyk', 'wrapper_dist');
  try {
    const found = fs.readdirSync(dir).find((f) => /^snyk-(linux|macos|win)/.test(f));
    return found ? path.join(dir, found) : undefined;
  } catch {
    return undefined;
  }
}

export const snyk: ToolDescriptor = {
  name: 'snyk',
  title: 'Snyk Open Source',
  languages: ['any'],
  appliesTo: [
    '**/package.json',
    '**/requirements*.txt',
    '**/pyproject.toml',
    '**/go.mod',
    '**/Gemfile.lock',
    '**/pom.xml',
    '**/Cargo.lock',
  ],
  informationUri: 'https://docs.snyk.io/snyk-cli',
  install: [{ kind: 'npm', package: 'snyk', version: '1.1307.4' }],
  findExecutable: (env) => snykBinary(env.nodeDir),
  version: { args: ['--version'], parse: firstVersion },
  argv: () => ['test', '--json', '--all-projects', '--detection-depth=4'],
  ownConfigFiles: ['.snyk'],
  service: {
    env: ['SNYK_TOKEN'],
    what: "Snyk tests every manifest against Snyk's API at run time",
    fix: 'set SNYK_TOKEN (snyk.io → Account settings → Auth token) on the worker and let it reach api.snyk.io',
  },
  // 1: vulnerabilities found; 3: no supported project (then the report says so).
  findingExitCodes: [0, 1, 3],
  parse({ stdout }) {
    const report = parseJson('snyk', stdout);
    const projects = Array.isArray(report) ? report : [report];
    if (!projects.every(isRecord))
      throw new ToolOutputError('snyk: the JSON report is not an object or a list of them');
    return projects.flatMap((project) => {
      if (!Array.isArray(project.vulnerabilities)) {
        if (typeof project.error === 'string') throw new ToolOutputError(`snyk: ${project.error}`);
        throw new ToolOutputError('snyk: the JSON report has no "vulnerabilities" array');
      }
      const manifest = str(project.displayTargetFile);
      return project.vulnerabilities.filter(isRecord).map((v): RawFinding => {
        const severity = str(v.severity) ?? 'medium';
        const ids = isRecord(v.identifiers) ? v.identifiers : {};
        const cves = Array.isArray(ids.CVE) ? ids.CVE.filter((x) => typeof x === 'string') : [];
        const cwes = Array.isArray(ids.CWE) ? ids.CWE.filter((x) => typeof x === 'string') : [];
        const path = Array.isArray(v.from) ? v.from.filter((x) => typeof x === 'string').join(' › ') : '';
        const score = typeof v.cvssScore === 'number' ? v.cvssScore : SCORES[severity];
        return {
          ruleId: str(v.id) ?? 'snyk',
          ruleName: str(v.title),
          level: LEVELS[severity] ?? 'warning',
          message: `${str(v.title) ?? 'Vulnerability'} in ${str(v.packageName) ?? '?'}@${str(v.version) ?? '?'}${cves.length ? ` (${cves.join(', ')})` : ''}${path ? ` via ${path}` : ''}`,
          file: manifest,
          startLine: manifest ? 1 : undefined,
          helpUri: str(v.id) ? `https://security.snyk.io/vuln/${str(v.id)}` : undefined,
          securitySeverity: score,
          tags: ['security', 'dependency', ...cwes.map((c) => `external/cwe/${c.toLowerCase()}`)],
          properties: { package: str(v.packageName), version: str(v.version), upgradable: v.isUpgradable === true },
        };
      });
    });
  },
};
