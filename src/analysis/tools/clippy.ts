import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RawFinding, RawLevel, RawReplacement } from '../sarif/types.ts';
import { type ToolDescriptor, ToolOutputError } from './descriptor.ts';
import { isRecord, lines, positive, repoPath, str } from './parse-helpers.ts';

const LEVELS: Record<string, RawLevel> = { error: 'error', warning: 'warning', note: 'note', help: 'note' };
/** Where cargo builds the copy: the repository itself is read-only in the sandbox. */
const CRATE = 'crate';

/** The rustup toolchain (its `bin` holds cargo, cargo-clippy and clippy-driver): the default one, else stable. */
function toolchainDir(): string | undefined {
  const home = process.env.RUSTUP_HOME ?? path.join(os.homedir(), '.rustup');
  let name: string | undefined;
  try {
    name = /default_toolchain\s*=\s*"([^"]+)"/.exec(fs.readFileSync(path.join(home, 'settings.toml'), 'utf8'))?.[1];
  } catch {
    name = undefined;
  }
  const candidates = [
    name,
    ...(fs.existsSync(path.join(home, 'toolchains')) ? fs.readdirSync(path.join(home, 'toolchains')).sort() : []),
  ];
  for (const c of candidates) {
    if (!c) continue;
    const dir = path.join(home, 'toolchains', c);
    if (fs.existsSync(path.join(dir, 'bin', 'cargo-clippy'))) return dir;
  }
  return undefined;
}

function replacements(message: Record<string, unknown>): RawReplacement[] {
  const children = Array.isArray(message.children) ? message.children.filter(isRecord) : [];
  return children.flatMap((child) =>
    (Array.isArray(child.spans) ? child.spans.filter(isRecord) : []).flatMap((s) => {
      if (s.suggestion_applicability !== 'MachineApplicable' || typeof s.suggested_replacement !== 'string') return [];
      const startLine = positive(s.line_start);
      const endLine = positive(s.line_end);
      const startColumn = positive(s.column_start);
      const endColumn = positive(s.column_end);
      if (!startLine || !endLine || !startColumn || !endColumn) return [];
      return [
        { file: str(s.file_name) ?? '', startLine, startColumn, endLine, endColumn, text: s.suggested_replacement },
      ];
    }),
  );
}

export const clippy: ToolDescriptor = {
  name: 'clippy',
  title: 'Clippy',
  languages: ['rust'],
  appliesTo: ['**/*.rs', '**/Cargo.toml', '**/Cargo.lock', '**/clippy.toml', '**/.clippy.toml'],
  informationUri: 'https://doc.rust-lang.org/clippy/',
  install: [{ kind: 'apt', package: 'rust-clippy' }],
  findExecutable: () => {
    const dir = toolchainDir();
    return dir ? path.join(dir, 'bin', 'cargo') : undefined;
  },
  version: {
    args: [],
    command: (cargo) => ({ command: path.join(path.dirname(cargo), 'cargo-clippy'), args: ['--version'] }),
    parse: (out) => /clippy (\d[^\s]*)/.exec(out)?.[1],
  },
  extraReadOnly: () => {
    const dir = toolchainDir();
    return dir ? [dir] : [];
  },
  // Clippy works on a crate, not on files: the crate's files are copied to the scratch directory (cargo writes
  // Cargo.lock and target/ beside the manifest) and checked there, offline.
  prepare({ files, repoRoot, scratchDir }) {
    for (const file of files) {
      const to = path.join(scratchDir, CRATE, file);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(path.join(repoRoot, file), to);
    }
  },
  argv: ({ scratchDir }) => [
    'clippy',
    '--message-format=json',
    '--offline',
    '--quiet',
    '--manifest-path',
    path.join(scratchDir, CRATE, 'Cargo.toml'),
  ],
  ownConfigFiles: ['clippy.toml', '.clippy.toml'],
  findingExitCodes: [0],
  env: {
    CARGO_HOME: '/tmp/cargo-home',
    CARGO_TARGET_DIR: '/tmp/cargo-target',
    CARGO_TERM_COLOR: 'never',
    PATH: `${toolchainDir() ?? '/usr'}/bin:/usr/bin:/bin`,
  },
  timeoutMs: 10 * 60_000,
  parse({ stdout, stderr, exitCode, repoRoot }) {
    const findings: RawFinding[] = [];
    let sawCargo = false;
    for (const line of lines(stdout)) {
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isRecord(m)) continue;
      sawCargo = true;
      if (m.reason !== 'compiler-message' || !isRecord(m.message)) continue;
      const message = m.message;
      const code = isRecord(message.code) ? str(message.code.code) : undefined;
      // Summary lines ("3 warnings emitted") and plain build errors have no lint code.
      if (!code) continue;
      const spans = Array.isArray(message.spans) ? message.spans.filter(isRecord) : [];
      const primary = spans.find((s) => s.is_primary === true) ?? spans[0];
      const fix = replacements(message);
      findings.push({
        ruleId: code,
        level: LEVELS[str(message.level) ?? ''] ?? 'warning',
        message: str(message.message) ?? code,
        file: primary ? repoPath(str(primary.file_name) ?? '', repoRoot) : undefined,
        startLine: positive(primary?.line_start),
        startColumn: positive(primary?.column_start),
        endLine: positive(primary?.line_end),
        endColumn: positive(primary?.column_end),
        help: str(message.rendered),
        helpUri: code.startsWith('clippy::')
          ? `https://rust-lang.github.io/rust-clippy/master/index.html#${code.slice(8)}`
          : undefined,
        fix:
          fix.length > 0 ? { replacements: fix.map((r) => ({ ...r, file: repoPath(r.file, repoRoot) })) } : undefined,
      });
    }
    if (!sawCargo || (exitCode !== 0 && findings.length === 0)) {
      throw new ToolOutputError(
        `cargo clippy did not check the crate: ${stderr.trim().split('\n').slice(-5).join(' ')}`,
      );
    }
    return findings;
  },
};
