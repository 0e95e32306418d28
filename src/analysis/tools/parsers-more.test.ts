import { describe, expect, it } from 'vitest';
import type { RawFinding } from '../sarif/types.ts';
import { loadFixture } from './fixtures/fixture.ts';
import { jsonObjects } from './govet.ts';
import { findTool } from './index.ts';

function parseFixture(name: string): RawFinding[] {
  const tool = findTool(name);
  if (!tool) throw new Error(`no tool ${name}`);
  return tool.parse(loadFixture(name));
}

const at = (findings: RawFinding[]) =>
  findings.map((f) => `${f.ruleId} ${f.file}:${f.startLine ?? '-'}:${f.startColumn ?? '-'} ${f.level}`);

describe('parsers of the Ruby, C, Java, Go and Rust tools on recorded real output', () => {
  it('rubocop: cop names, 1-based columns, severities mapped, security tag', () => {
    const findings = parseFixture('rubocop');
    expect(at(findings)).toEqual([
      'Style/FrozenStringLiteralComment lib/greeter.rb:1:1 note',
      'Lint/UselessAssignment lib/greeter.rb:8:5 warning',
      'Style/RedundantReturn lib/greeter.rb:9:5 note',
      'Style/StringConcatenation lib/greeter.rb:9:12 note',
      'Style/StringLiterals lib/greeter.rb:9:12 note',
      'Security/Eval lib/greeter.rb:13:5 note',
      'Style/EvalWithLocation lib/greeter.rb:13:5 note',
    ]);
    expect(findings[5]?.tags).toEqual(['security']);
  });

  it('cppcheck: XML on stderr, ids as rules, error/warning/style levels, CWE tags', () => {
    const findings = parseFixture('cppcheck');
    expect(at(findings)).toEqual(
      expect.arrayContaining([
        'arrayIndexOutOfBounds src/buffer.c:9:11 error',
        'memleak src/buffer.c:11:9 error',
        'nullPointerRedundantCheck src/buffer.c:8:20 warning',
        'unreadVariable src/buffer.c:7:16 note',
      ]),
    );
    expect(findings.find((f) => f.ruleId === 'arrayIndexOutOfBounds')?.tags).toEqual(['external/cwe/cwe-788']);
  });

  it('checkstyle: check names without the package, Google style by default (warnings)', () => {
    const findings = parseFixture('checkstyle');
    expect(at(findings)).toEqual(
      expect.arrayContaining([
        'AvoidStarImport src/main/java/com/example/Billing.java:3:17 warning',
        'NeedBraces src/main/java/com/example/Billing.java:10:9 warning',
      ]),
    );
  });

  it('go vet: the JSON stream between package lines, analyzers as rules', () => {
    expect(at(parseFixture('govet'))).toEqual(['govet/printf main.go:10:14 warning']);
    expect(jsonObjects('# example.com/x\n{"a": {"b": "}{"}}\n# other\n{"c": 1}')).toEqual([
      { a: { b: '}{' } },
      { c: 1 },
    ]);
  });

  it('staticcheck: JSON lines, SA checks as errors and simplifications as notes', () => {
    expect(at(parseFixture('staticcheck'))).toEqual([
      'SA5009 main.go:10:13 error',
      'S1003 main.go:11:5 note',
      'S1025 main.go:14:9 note',
    ]);
  });

  it('clippy: lint codes from cargo JSON messages, machine-applicable suggestions as fixes', () => {
    const findings = parseFixture('clippy');
    expect(at(findings).sort()).toEqual(
      [
        'clippy::len_zero src/main.rs:12:8 warning',
        'clippy::needless_range_loop src/main.rs:4:14 warning',
        'clippy::needless_return src/main.rs:7:5 warning',
        'clippy::ptr_arg src/main.rs:2:18 warning',
      ].sort(),
    );
    expect(findings.find((f) => f.ruleId === 'clippy::len_zero')?.fix?.replacements[0]).toMatchObject({
      file: 'src/main.rs',
      text: 'values.is_empty()',
    });
  });
});

describe('parsers of the tools that need a service (fixtures built from the documented format)', () => {
  it('safety: one finding per vulnerability, at the line that pins the package, CVSS as security severity', () => {
    const [f] = parseFixture('safety');
    expect(f).toMatchObject({
      ruleId: 'safety/36546',
      level: 'error',
      file: 'requirements.txt',
      startLine: 2,
      securitySeverity: 9.8,
    });
    expect(f?.message).toMatch(/^requests 2\.19\.0 is vulnerable \(<=2\.19\.1\); fixed in 2\.20\.0/);
  });

  it('snyk: vulnerabilities of every project, severity levels, CVE and CWE', () => {
    const findings = parseFixture('snyk');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      ruleId: 'SNYK-PYTHON-REQUESTS-72435',
      level: 'error',
      file: 'requirements.txt',
      securitySeverity: 7.5,
      tags: ['security', 'dependency', 'external/cwe/cwe-200'],
    });
  });

  it("safety's real answer when its server cannot be reached is no report, never zero findings", () => {
    const offline =
      'DEPRECATED: this command (`check`) has been DEPRECATED\n\nCheck your network connection, unable to reach the server.\n';
    expect(() =>
      findTool('safety')?.parse({
        stdout: offline,
        stderr: '',
        exitCode: 68,
        repoRoot: '/r',
        files: ['requirements.txt'],
      }),
    ).toThrow(/printed no JSON report/);
  });
});
