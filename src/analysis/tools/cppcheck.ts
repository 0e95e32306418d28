import type { RawFinding, RawLevel } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { firstVersion, onSystemPath } from './find.ts';
import { isRecord, repoPath, str } from './parse-helpers.ts';
import { intAttr, parseXml } from './xml.ts';

const LEVELS: Record<string, RawLevel> = { error: 'error', warning: 'warning' };

export const cppcheck: ToolDescriptor = {
  name: 'cppcheck',
  title: 'Cppcheck',
  languages: ['c', 'cpp'],
  appliesTo: ['**/*.{c,h,cc,cpp,cxx,hpp,hh,hxx}'],
  informationUri: 'https://cppcheck.sourceforge.io/',
  install: [{ kind: 'apt', package: 'cppcheck' }],
  findExecutable: onSystemPath('cppcheck'),
  version: { args: ['--version'], parse: firstVersion },
  // The XML report goes to stderr; stdout only has progress lines.
  argv: ({ files, scratchDir }) => [
    '--xml',
    '--xml-version=2',
    '--enable=warning,style,performance,portability',
    '--inline-suppr',
    '--quiet',
    `--cppcheck-build-dir=${scratchDir}`,
    // cppcheck knows no "--"; a "./" prefix keeps a file named like an option from being read as one.
    ...files.map((f) => `./${f}`),
  ],
  ownConfigFiles: [],
  findingExitCodes: [0],
  parse({ stderr, repoRoot }) {
    const report = parseXml('cppcheck', stderr, 'results');
    const results = isRecord(report.results) ? report.results : undefined;
    if (!results) throw new ToolOutputError('cppcheck: the XML report has no <results>');
    const errors = isRecord(results.errors) && Array.isArray(results.errors.error) ? results.errors.error : [];
    return errors.filter(isRecord).flatMap((e): RawFinding[] => {
      const id = str(e.id) ?? 'cppcheck';
      // Run-level notes (missing includes, a check not run) carry no location: they are not findings.
      const locations = Array.isArray(e.location) ? e.location.filter(isRecord) : [];
      const first = locations[0];
      if (!first) return [];
      const cwe = str(e.cwe);
      return [
        {
          ruleId: id,
          level: LEVELS[str(e.severity) ?? ''] ?? 'note',
          message: str(e.msg) ?? id,
          file: repoPath(str(first.file) ?? '', repoRoot),
          startLine: intAttr(first.line),
          startColumn: intAttr(first.column),
          help: str(e.verbose),
          tags: cwe ? [`external/cwe/cwe-${cwe}`] : undefined,
          properties: { toolSeverity: str(e.severity) },
        },
      ];
    });
  },
};
