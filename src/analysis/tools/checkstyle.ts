import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, onSystemPath } from './find.ts';
import { isRecord, repoPath, str } from './parse-helpers.ts';
import { intAttr, parseXml } from './xml.ts';

const LEVELS: Record<string, RawLevel> = { error: 'error', warning: 'warning', info: 'note', ignore: 'none' };

export const checkstyle: ToolDescriptor = {
  name: 'checkstyle',
  title: 'Checkstyle',
  languages: ['java'],
  appliesTo: ['**/*.java'],
  informationUri: 'https://checkstyle.org/',
  install: [{ kind: 'apt', package: 'checkstyle' }],
  findExecutable: onSystemPath('checkstyle'),
  version: { args: ['--version'], parse: firstVersion },
  // Checkstyle discovers no config: the repository's own checkstyle.xml, else the Google style bundled in its jar.
  argv: ({ files, ownConfig }) => ['-c', ownConfig ?? '/google_checks.xml', '-f', 'xml', '--', ...files],
  ownConfigFiles: ['checkstyle.xml', 'config/checkstyle/checkstyle.xml', '.checkstyle.xml'],
  // The exit code is the number of error-severity violations: any count is a complete run.
  findingExitCodes: Array.from({ length: 256 }, (_, i) => i),
  // The JVM reserves a large address space up front.
  memoryBytes: 4 * 1024 ** 3,
  parse({ stdout, repoRoot }) {
    const report = parseXml('checkstyle', stdout, 'checkstyle');
    const root = isRecord(report.checkstyle) ? report.checkstyle : undefined;
    if (!root) throw new ToolOutputError('checkstyle: the XML report has no <checkstyle> root');
    const files = Array.isArray(root.file) ? root.file.filter(isRecord) : [];
    return files.flatMap((f) => {
      const file = repoPath(str(f.name) ?? '', repoRoot);
      const errors = Array.isArray(f.error) ? f.error.filter(isRecord) : [];
      return errors.map((e): RawFinding => {
        const source = str(e.source) ?? 'checkstyle';
        const check =
          source
            .split('.')
            .pop()
            ?.replace(/Check$/, '') ?? source;
        return {
          ruleId: check,
          level: LEVELS[str(e.severity) ?? ''] ?? 'warning',
          message: str(e.message) ?? check,
          file,
          startLine: intAttr(e.line),
          startColumn: intAttr(e.column),
          helpUri: 'https://checkstyle.org/checks.html',
          properties: { source },
        };
      });
    });
  },
};
