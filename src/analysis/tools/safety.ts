import fs from 'node:fs';
import path from 'node:path';
import type { RawFinding } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, inVenv } from './find.ts';
import { isRecord, parseJson, str } from './parse-helpers.ts';

/** The manifest and line that pin a package, so the finding points at the line to change. */
function pinLocation(repoRoot: string, files: string[], pkg: string): { file?: string; line?: number } {
  const name = new RegExp(`^\\s*${pkg.replace(/[-_.]+/g, '[-_.]+')}\\s*(\\[|[=<>!~]|$)`, 'i');
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
    } catch {
      continue;
    }
    const index = text.split(/\r?\n/).findIndex((l) => name.test(l));
    if (index >= 0) return { file, line: index + 1 };
  }
  return files[0] ? { file: files[0], line: 1 } : {};
}

/** A CVSS base score from Safety's severity object, when the account's plan includes it. */
function cvss(severity: unknown): number | undefined {
  if (!isRecord(severity)) return undefined;
  const score = isRecord(severity.cvssv3) ? severity.cvssv3.base_score : undefined;
  return typeof score === 'number' ? score : undefined;
}

export const safety: ToolDescriptor = {
  name: 'safety',
  title: 'Safety',
  languages: ['python'],
  appliesTo: ['**/requirements*.txt', '**/requirements/*.txt'],
  informationUri: 'https://docs.safetycli.com/',
  // Its own venv: Safety pins pydantic/typer versions the other Python tools do not share.
  install: [{ kind: 'pip', package: 'safety', version: '3.2.9', venv: 'safety' }],
  findExecutable: inVenv('safety', 'safety'),
  version: { args: ['--version'], parse: firstVersion },
  argv: ({ files }) => ['check', '--output', 'json', ...files.flatMap((f) => ['-r', f])],
  ownConfigFiles: ['.safety-policy.yml'],
  service: {
    env: ['SAFETY_API_KEY'],
    what: "Safety needs Safety's vulnerability database online at run time (an account's API key)",
    fix: 'set SAFETY_API_KEY (https://safetycli.com) on the worker and let it reach Safety’s servers',
  },
  // 64: vulnerabilities found.
  findingExitCodes: [0, 64],
  parse({ stdout, repoRoot, files }) {
    const report = parseJson('safety', stdout);
    if (!isRecord(report) || !Array.isArray(report.vulnerabilities)) {
      throw new ToolOutputError('safety: the JSON report has no "vulnerabilities" array');
    }
    return report.vulnerabilities.filter(isRecord).map((v): RawFinding => {
      const pkg = str(v.package_name) ?? 'package';
      const id = str(v.vulnerability_id) ?? 'unknown';
      const score = cvss(v.severity);
      const fixed = Array.isArray(v.fixed_versions) ? v.fixed_versions.filter((x) => typeof x === 'string') : [];
      const where = pinLocation(repoRoot, files, pkg);
      return {
        ruleId: `safety/${id}`,
        ruleName: str(v.CVE) ?? undefined,
        level: score === undefined ? 'warning' : score >= 7 ? 'error' : score >= 4 ? 'warning' : 'note',
        message: `${pkg} ${str(v.analyzed_version) ?? ''} is vulnerable (${str(v.vulnerable_spec) ?? 'affected versions'})${fixed.length ? `; fixed in ${fixed.join(', ')}` : ''}: ${(str(v.advisory) ?? '').slice(0, 500)}`,
        file: where.file,
        startLine: where.line,
        helpUri: str(v.more_info_url),
        securitySeverity: score,
        tags: ['security', 'dependency'],
        properties: { package: pkg, version: str(v.analyzed_version), cve: str(v.CVE) },
      };
    });
  },
};
