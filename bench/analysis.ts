/**
 * Analysis: parallel against sequential against the parallel limit, and "normalisation loses nothing".
 *
 *   npm run bench:analysis            # BENCH_ROUNDS=3; BENCH_REPOS=python-basic,… to choose
 *
 * For each repository (the samples in examples/repos and a larger real one, Flask's sdist from PyPI, cached under
 * $ORBIT_HOME/cache/bench, and the `yaml` package's npm tarball), in one run:
 *  - cold parallel: `analyzeRepository` in deep mode with concurrency = cores (fresh scratch dirs, tool caches off);
 *  - sequential: the same with concurrency 1;
 *  - the parallel limit max(longest tool, total CPU time / cores), from each tool run by hand outside Orbit;
 *  - for each tool, the findings in Orbit's SARIF log against the number the tool itself reports when run by hand
 *    on the same files with the same flags, counted from its raw output by counters that do not use Orbit's parsers.
 * Prints Markdown for docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type AnalysisOutcome,
  analyzeRepository,
  applicableFiles,
  discoverFiles,
} from '../src/analysis/runner/index.ts';
import { buildSarifLog } from '../src/analysis/sarif/index.ts';
import { toolEnvironment } from '../src/analysis/toolchain/index.ts';
import { TOOLS, type ToolDescriptor } from '../src/analysis/tools/index.ts';
import { COUNTERS, median, parallelLimit } from './analysis-harness.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CORES = os.availableParallelism();
const env = toolEnvironment();
const EXAMPLES = path.resolve(import.meta.dirname, '../examples/repos');
const CACHE = path.join(path.dirname(env.toolsDir), 'cache', 'bench');

/** Flask's source distribution from PyPI: a real project of some size (Python, YAML, shell, docs). */
function flaskRepo(): string {
  const dir = path.join(CACHE, 'flask-3.1.0');
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(CACHE, { recursive: true });
  const dl = spawnSync(
    'python3',
    ['-m', 'pip', 'download', '--no-binary', ':all:', '--no-deps', '-d', CACHE, 'flask==3.1.0'],
    {
      encoding: 'utf8',
    },
  );
  if (dl.status !== 0) throw new Error(`pip download failed: ${dl.stderr}`);
  const archive = fs.readdirSync(CACHE).find((f) => f.startsWith('flask-3.1.0') && f.endsWith('.tar.gz'));
  if (!archive) throw new Error('no flask sdist downloaded');
  spawnSync('tar', ['-xzf', archive], { cwd: CACHE });
  return dir;
}

/** The `yaml` package's npm tarball (`npm pack`): a real JS/TS code base (sources built to ESM, CJS and typings). */
function yamlRepo(): string {
  const dir = path.join(CACHE, 'yaml-2.9.1');
  if (fs.existsSync(dir)) return dir;
  fs.mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', 'yaml@2.9.1', '--pack-destination', CACHE], { encoding: 'utf8' });
  if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
  const t = spawnSync('tar', ['-xzf', path.join(CACHE, 'yaml-2.9.1.tgz'), '-C', dir, '--strip-components=1']);
  if (t.status !== 0) throw new Error('could not unpack yaml-2.9.1.tgz');
  return dir;
}

/** The tool's environment with its sandbox-private /tmp paths moved under `scratchDir`. */
function coldEnv(tool: ToolDescriptor, scratchDir: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tool.env ?? {}).map(([k, v]) => [k, v.startsWith('/tmp/') ? path.join(scratchDir, v.slice(5)) : v]),
  );
}

interface ByHand {
  count: number;
  wallMs: number;
  cpuMs: number;
}

/** Runs a tool outside Orbit (same files, same flags, the repository as CWD), timing its CPU with getrusage. */
function byHand(tool: ToolDescriptor, repoRoot: string, files: string[]): ByHand | undefined {
  const executable = tool.findExecutable(env);
  const counter = COUNTERS[tool.name];
  if (!executable || !counter || files.length === 0) return undefined;
  const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${tool.name}-`));
  const ownConfig = tool.ownConfigFiles.find((f) => fs.existsSync(path.join(repoRoot, f)));
  let configFile: string | undefined;
  if (!ownConfig && tool.defaultConfig) {
    configFile = path.join(scratchDir, tool.defaultConfig.fileName);
    fs.writeFileSync(configFile, tool.defaultConfig.content);
  }
  const ctx = { files, repoRoot, scratchDir, ownConfig, configFile };
  tool.prepare?.(ctx);
  const timer = `import resource, subprocess, sys, time
t = time.monotonic()
p = subprocess.run(sys.argv[1:], capture_output=True)
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stdout.buffer.write(p.stdout)
sys.stderr.buffer.write(p.stderr)
sys.stderr.write("\\nBENCH %f %f\\n" % (wall, r.ru_utime + r.ru_stime))`;
  const r = spawnSync('python3', ['-c', timer, executable, ...tool.argv(ctx)], {
    cwd: repoRoot,
    encoding: 'utf8',
    // Cold like Orbit's runs: the tool's caches (Go's, cargo's) go to this run's scratch directory, not the host's.
    env: { ...process.env, ...coldEnv(tool, scratchDir), HOME: scratchDir },
    maxBuffer: 256 * 1024 * 1024,
  });
  fs.rmSync(scratchDir, { recursive: true, force: true });
  const m = /\nBENCH ([\d.]+) ([\d.]+)\n$/.exec(r.stderr);
  const stderr = m ? r.stderr.slice(0, m.index) : r.stderr;
  return {
    count: counter({ stdout: r.stdout, stderr }),
    wallMs: m ? Number(m[1]) * 1000 : 0,
    cpuMs: m ? Number(m[2]) * 1000 : 0,
  };
}

async function analyse(repoRoot: string, concurrency: number): Promise<{ ms: number; outcome: AnalysisOutcome }> {
  const t = performance.now();
  const outcome = await analyzeRepository({ repoRoot, mode: 'deep', concurrency });
  return { ms: performance.now() - t, outcome };
}

const wanted = process.env.BENCH_REPOS?.split(',');
const allRepos: [string, string][] = [
  ...fs
    .readdirSync(EXAMPLES)
    .filter((d) => fs.statSync(path.join(EXAMPLES, d)).isDirectory())
    .map((d): [string, string] => [d, path.join(EXAMPLES, d)]),
  ['flask-3.1.0 (PyPI sdist)', flaskRepo()],
  ['yaml-2.9.1 (npm tarball)', yamlRepo()],
];
const repos = allRepos.filter(([name]) => !wanted || wanted.some((w) => name.startsWith(w)));

const timing: string[] = [];
const counts: string[] = [];
for (const [name, repoRoot] of repos) {
  const discovery = await discoverFiles(repoRoot);
  const hand = new Map<string, ByHand>();
  for (const tool of TOOLS) {
    const h = byHand(tool, repoRoot, applicableFiles(tool, discovery.files));
    if (h) hand.set(tool.name, h);
  }
  const parallel: number[] = [];
  const sequential: number[] = [];
  let last: AnalysisOutcome | undefined;
  for (let r = 0; r < ROUNDS; r++) {
    const p = await analyse(repoRoot, CORES);
    parallel.push(p.ms);
    last = p.outcome;
    sequential.push((await analyse(repoRoot, 1)).ms);
  }
  if (!last) continue;
  const ran = last.results.filter((x) => x.status === 'succeeded');
  const { longest, cpu, limit } = parallelLimit([...hand.values()], CORES);
  const par = median(parallel);
  const seq = median(sequential);
  timing.push(
    `| ${name} | ${discovery.files.length} | ${ran.length} | ${(par / 1000).toFixed(1)} | ${(seq / 1000).toFixed(1)} | ${(seq / par).toFixed(2)}× | ${(longest / 1000).toFixed(1)} | ${(cpu / 1000).toFixed(1)} | ${(limit / 1000).toFixed(1)} | ${(par / limit).toFixed(2)} |`,
  );
  const sarif = buildSarifLog(last.results, { repoRoot: last.repoRoot });
  for (const run of sarif.runs) {
    const tool = run.tool.driver.name;
    const h = hand.get(tool);
    const result = last.results.find((x) => x.tool === tool);
    if (!h || result?.status !== 'succeeded') continue;
    const inSarif = run.results.length;
    counts.push(
      `| ${name} | ${tool} | ${h.count} | ${inSarif} | ${h.count === inSarif ? 'equal' : `**differs by ${inSarif - h.count}**`} |`,
    );
  }
  process.stderr.write(`${name}: parallel ${(par / 1000).toFixed(1)} s, sequential ${(seq / 1000).toFixed(1)} s\n`);
}

/** Each installed tool's version, asked the way Orbit asks it. */
function toolVersions(): string {
  const out: string[] = [];
  for (const tool of TOOLS) {
    const executable = tool.findExecutable(env);
    if (!executable) continue;
    const probe = tool.version.command?.(executable) ?? { command: executable, args: tool.version.args };
    const r = spawnSync(probe.command, probe.args, { encoding: 'utf8', env: { ...process.env, ...(tool.env ?? {}) } });
    out.push(`${tool.name} ${tool.version.parse(`${r.stdout ?? ''}${r.stderr ?? ''}`) ?? '?'}`);
  }
  return out.join(', ');
}

console.log(`Tool versions: ${toolVersions()}.\n`);
console.log(
  `Machine: ${CORES} cores, Node ${process.version}; medians of ${ROUNDS} cold runs of every applicable tool (mode deep).\n`,
);
console.log(
  '| repository | files | tools run | parallel (s) | sequential (s) | sequential / parallel | longest tool (s) | total tool CPU (s) | limit max(longest, CPU/cores) (s) | parallel / limit |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of timing) console.log(row);
console.log("\nFindings per tool: counted from the tool run by hand vs. results in Orbit's SARIF log.\n");
console.log('| repository | tool | by hand | in SARIF | |');
console.log('| --- | --- | ---: | ---: | --- |');
for (const row of counts) console.log(row);
