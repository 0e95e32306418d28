import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { OrbitError } from '../errors.ts';

export interface GitIdentity {
  name: string;
  email: string;
}

/** Who Orbit's commits are by, unless a caller names someone else. */
export const DEFAULT_IDENTITY: GitIdentity = { name: 'Orbit Agent', email: 'agent@orbit.invalid' };

export interface GitCallOptions {
  /** Repository (or any directory) git runs in. */
  cwd?: string;
  signal?: AbortSignal;
  /** Default 120 s; the process is killed when it passes. */
  timeoutMs?: number;
  identity?: GitIdentity;
  /**
   * A token for HTTP(S) remotes, sent as a Basic `Authorization` header through `GIT_CONFIG_*` environment variables:
   * never in argv (visible in `ps`), never in a message.
   */
  token?: string;
  /** Username paired with `token` (GitHub accepts `x-access-token`). */
  tokenUser?: string;
  /** Exit codes that are answers, not failures (e.g. 1 for `diff --quiet`). */
  okCodes?: number[];
  stdin?: string;
}

/** A git command that failed; its message names the command and git's own words, with credentials removed. */
export class GitError extends OrbitError {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    detail?: string,
  ) {
    const shown = args.map(redactCredentials).join(' ');
    const said = redactCredentials(stderr.trim()).split('\n').slice(-8).join('\n');
    super('git-failed', 500, detail ?? `git ${shown} failed (exit ${exitCode ?? 'killed'}): ${said || 'no message'}`);
    this.name = 'GitError';
  }
}

/** Removes `user:password@` from URLs and any Authorization header value from a string. */
export function redactCredentials(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s:]+(:[^/@\s]*)?@/gi, '$1***@')
    .replace(/(authorization:\s*\w+\s+)\S+/gi, '$1***');
}

/** The URL without its `user:password@` part (what a clone may keep in its config). */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
}

/** A git URL (scheme://, scp-like user@host:path) rather than a local path. */
export function isGitUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/\\\s]+@[^/\\\s:]+:/.test(source);
}

const BASE_CONFIG = [
  '-c',
  'core.hooksPath=/dev/null',
  '-c',
  'core.fsmonitor=false',
  '-c',
  'core.quotePath=false',
  '-c',
  'credential.helper=',
  '-c',
  'commit.gpgSign=false',
  '-c',
  'tag.gpgSign=false',
  '-c',
  'init.defaultBranch=main',
  '-c',
  'advice.detachedHead=false',
];

function environment(options: GitCallOptions): NodeJS.ProcessEnv {
  const identity = options.identity ?? DEFAULT_IDENTITY;
  const env: NodeJS.ProcessEnv = {};
  // Nothing of the caller's git environment leaks in (GIT_DIR, GIT_INDEX_FILE of a surrounding hook, …).
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  Object.assign(env, {
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_AUTHOR_NAME: identity.name,
    GIT_AUTHOR_EMAIL: identity.email,
    GIT_COMMITTER_NAME: identity.name,
    GIT_COMMITTER_EMAIL: identity.email,
    LC_ALL: 'C',
  });
  if (options.token !== undefined) {
    const basic = Buffer.from(`${options.tokenUser ?? 'x-access-token'}:${options.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  return env;
}

/** Runs `git <args>` and returns its output; throws GitError on a failure (unless the exit code is in `okCodes`). */
export function git(
  args: string[],
  options: GitCallOptions = {},
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const identity = options.identity ?? DEFAULT_IDENTITY;
  const argv = [...BASE_CONFIG, '-c', `user.name=${identity.name}`, '-c', `user.email=${identity.email}`, ...args];
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new GitError(args, null, '', `git ${args[0] ?? ''} was cancelled before it started`));
      return;
    }
    const child = execFile(
      'git',
      argv,
      {
        cwd: options.cwd,
        env: environment(options),
        timeout: options.timeoutMs ?? 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'utf8',
        ...(options.signal ? { signal: options.signal } : {}),
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr, exitCode: 0 });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : null;
        if (code !== null && options.okCodes?.includes(code)) {
          resolve({ stdout, stderr, exitCode: code });
          return;
        }
        if (error.killed || error.name === 'AbortError') {
          const why = options.signal?.aborted ? 'was cancelled' : `timed out after ${options.timeoutMs ?? 120_000} ms`;
          reject(new GitError(args, null, stderr, `git ${args.map(redactCredentials).join(' ')} ${why}`));
          return;
        }
        if (typeof error.code === 'string') {
          reject(new GitError(args, null, '', `git could not be started (${error.code}): is git installed?`));
          return;
        }
        reject(new GitError(args, code, stderr || error.message));
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

export interface CloneOptions {
  /** A local path or a git URL. */
  source: string;
  /** Directory to create (must not exist or be empty). */
  dest: string;
  /** Branch or tag to check out (default: the source's HEAD). */
  ref?: string;
  /** Shallow clone with this many commits (a local path is cloned through file:// so this applies). */
  depth?: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  token?: string;
  tokenUser?: string;
}

/** Clones a local path or URL into `dest`. */
export async function clone(o: CloneOptions): Promise<void> {
  let source = o.source;
  if (!isGitUrl(source)) {
    source = path.resolve(source);
    if (!fs.existsSync(source)) {
      throw new GitError(['clone'], null, '', `Cannot clone "${o.source}": no such path.`);
    }
    // git ignores --depth for plain local paths; through file:// it honours it.
    if (o.depth !== undefined) source = `file://${source}`;
  }
  const args = ['clone', '--no-recurse-submodules', '--quiet'];
  if (o.depth !== undefined) args.push('--depth', String(o.depth), '--no-single-branch');
  if (o.ref !== undefined) args.push('--branch', o.ref);
  args.push('--', source, o.dest);
  await git(args, {
    timeoutMs: o.timeoutMs ?? 600_000,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(o.tokenUser !== undefined ? { tokenUser: o.tokenUser } : {}),
  });
  // Credentials in the URL would stay in .git/config, readable by whatever later runs in the clone.
  if (isGitUrl(source) && stripCredentials(source) !== source) {
    await git(['remote', 'set-url', 'origin', stripCredentials(source)], { cwd: o.dest });
  }
}

export async function isRepository(dir: string): Promise<boolean> {
  const r = await git(['rev-parse', '--is-inside-work-tree'], { cwd: dir, okCodes: [128] }).catch(() => undefined);
  return r?.exitCode === 0 && r.stdout.trim() === 'true';
}

export interface AddWorktreeOptions {
  /** Branch to create for the worktree (`-b`), or an existing branch to check out when `create` is false. */
  branch: string;
  /** Commit the new branch starts at (default HEAD). */
  base?: string;
  create?: boolean;
}

/** `git worktree add` from `repo` into `dir`. */
export async function addWorktree(repo: string, dir: string, o: AddWorktreeOptions): Promise<void> {
  const args = ['worktree', 'add', '--quiet'];
  if (o.create ?? true) args.push('-b', o.branch, dir, o.base ?? 'HEAD');
  else args.push(dir, o.branch);
  await git(args, { cwd: repo });
}

/** `git worktree remove` (with `--force`: even with local changes), then prunes its administrative files. */
export async function removeWorktree(repo: string, dir: string, o: { force?: boolean } = {}): Promise<void> {
  await git(['worktree', 'remove', ...(o.force ? ['--force', '--force'] : []), dir], { cwd: repo });
  await git(['worktree', 'prune'], { cwd: repo });
}

function checkRefName(name: string): void {
  if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.startsWith('-') || name.includes('..') || name.endsWith('.lock')) {
    throw new GitError(
      ['branch', name],
      null,
      '',
      `"${name}" is not an acceptable branch name: use letters, digits, ".", "_", "-" and "/" only, not starting with "-".`,
    );
  }
}

/** Creates `name` (from `from`, default HEAD) and switches to it unless `checkout` is false. */
export async function createBranch(
  repo: string,
  name: string,
  o: { from?: string; checkout?: boolean } = {},
): Promise<void> {
  checkRefName(name);
  if (o.checkout ?? true) await git(['switch', '--quiet', '-c', name, ...(o.from ? [o.from] : [])], { cwd: repo });
  else await git(['branch', '--', name, ...(o.from ? [o.from] : [])], { cwd: repo });
}

export async function switchBranch(repo: string, name: string): Promise<void> {
  checkRefName(name);
  await git(['switch', '--quiet', name], { cwd: repo });
}

/** The checked-out branch, or undefined on a detached HEAD. */
export async function currentBranch(repo: string): Promise<string | undefined> {
  const r = await git(['symbolic-ref', '--quiet', '--short', 'HEAD'], { cwd: repo, okCodes: [1] });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export interface BranchInfo {
  name: string;
  sha: string;
  current: boolean;
}

export async function branches(repo: string): Promise<BranchInfo[]> {
  const r = await git(['for-each-ref', '--format=%(HEAD)%00%(refname:short)%00%(objectname)', 'refs/heads'], {
    cwd: repo,
  });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [head = '', name = '', sha = ''] = line.split('\0');
      return { name, sha, current: head === '*' };
    });
}

/** Full commit id of `ref`, or undefined when it names nothing. */
export async function revParse(repo: string, ref: string): Promise<string | undefined> {
  const r = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], {
    cwd: repo,
    okCodes: [1, 128],
  });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

export interface StatusEntry {
  path: string;
  /** Two-letter porcelain code: index then work tree (`??` untracked, ` M` modified, `A ` added, …). */
  code: string;
  /** For renames and copies: where it came from. */
  from?: string;
}

export interface StatusResult {
  branch: string | undefined;
  entries: StatusEntry[];
  clean: boolean;
}

export async function status(repo: string): Promise<StatusResult> {
  const r = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all'], { cwd: repo });
  const parts = r.stdout.split('\0');
  const entries: StatusEntry[] = [];
  for (let i = 0; i < parts.length; i++) {
    const item = parts[i] ?? '';
    if (item.length < 4) continue;
    const code = item.slice(0, 2);
    const entry: StatusEntry = { code, path: item.slice(3) };
    if (code.includes('R') || code.includes('C')) {
      entry.from = parts[i + 1] ?? '';
      i++;
    }
    entries.push(entry);
  }
  return { branch: await currentBranch(repo), entries, clean: entries.length === 0 };
}

export interface DiffOptions {
  /** Compare from this commit (default: the index, i.e. unstaged changes; with `staged`: HEAD). */
  from?: string;
  /** Compare to this commit (default: the work tree). */
  to?: string;
  /** Staged changes (index against `from`, default HEAD). */
  staged?: boolean;
  /** Limit to these repository-relative paths. */
  paths?: string[];
  /** Lines of context in the patch (default 3). */
  context?: number;
}

export interface DiffFile {
  path: string;
  added: number;
  removed: number;
  binary: boolean;
}

export interface DiffResult {
  files: DiffFile[];
  patch: string;
}

/** Changed files with line counts (`--numstat`) and the patch. */
export async function diff(repo: string, o: DiffOptions = {}): Promise<DiffResult> {
  for (const ref of [o.from, o.to]) {
    if (ref?.startsWith('-')) throw new GitError(['diff', ref], null, '', `"${ref}" is not a revision.`);
  }
  const range: string[] = [];
  if (o.staged) range.push('--cached');
  if (o.from !== undefined) range.push(o.from);
  if (o.to !== undefined) range.push(o.to);
  const tail = ['--', ...(o.paths ?? [])];
  const numstat = await git(['diff', '--no-ext-diff', '--no-textconv', '--numstat', '-z', ...range, ...tail], {
    cwd: repo,
  });
  const files: DiffFile[] = [];
  const parts = numstat.stdout.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const item = parts[i] ?? '';
    if (item === '') continue;
    const [added = '', removed = '', name = ''] = item.split('\t');
    let file = name;
    if (name === '') {
      // a rename: "<added>\t<removed>\t" then the old and the new path as separate fields
      file = parts[i + 2] ?? '';
      i += 2;
    }
    const binary = added === '-';
    files.push({ path: file, added: binary ? 0 : Number(added), removed: binary ? 0 : Number(removed), binary });
  }
  const patch = await git(
    ['diff', '--no-ext-diff', '--no-textconv', '--no-color', `-U${o.context ?? 3}`, ...range, ...tail],
    { cwd: repo },
  );
  return { files, patch: patch.stdout };
}

/** Stages `paths` (default: every change, deletions and new files included). */
export async function add(repo: string, paths?: string[]): Promise<void> {
  if (paths === undefined || paths.length === 0) await git(['add', '--all'], { cwd: repo });
  else await git(['add', '--all', '--', ...paths], { cwd: repo });
}

export interface CommitOptions {
  /** Stage these paths first; `'all'` stages every change; default: commit what is staged. */
  add?: string[] | 'all';
  allowEmpty?: boolean;
  identity?: GitIdentity;
}

export interface CommitResult {
  /** The new commit, or undefined when there was nothing to commit. */
  sha: string | undefined;
  committed: boolean;
}

/** Commits the staged changes (after staging `add`); nothing to commit is an answer, not an error. */
export async function commit(repo: string, message: string, o: CommitOptions = {}): Promise<CommitResult> {
  if (message.trim() === '') throw new GitError(['commit'], null, '', 'A commit needs a non-empty message.');
  if (o.add === 'all') await add(repo);
  else if (o.add !== undefined && o.add.length > 0) await add(repo, o.add);
  if (!o.allowEmpty) {
    const hasHead = (await revParse(repo, 'HEAD')) !== undefined;
    const staged = hasHead
      ? await git(['diff', '--cached', '--quiet'], { cwd: repo, okCodes: [1] })
      : await git(['ls-files', '--cached'], { cwd: repo }).then((r) => ({ exitCode: r.stdout === '' ? 0 : 1 }));
    if (staged.exitCode === 0) return { sha: undefined, committed: false };
  }
  await git(['commit', '--quiet', '--no-verify', ...(o.allowEmpty ? ['--allow-empty'] : []), '-F', '-'], {
    cwd: repo,
    stdin: message,
    ...(o.identity ? { identity: o.identity } : {}),
  });
  return { sha: await revParse(repo, 'HEAD'), committed: true };
}

export interface PushOptions {
  /** A remote URL, a path to a (bare) repository, or the name of a configured remote. */
  remote: string;
  /** Local branch to push; it lands under the same name unless `remoteBranch` says otherwise. */
  branch: string;
  remoteBranch?: string;
  force?: boolean;
  token?: string;
  tokenUser?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface PushResult {
  sha: string;
  /** False when the remote already had exactly this commit (a retried push). */
  pushed: boolean;
  remoteBranch: string;
}

/** Pushes `branch`; when the remote already has the same commit under that name nothing is sent. */
export async function push(repo: string, o: PushOptions): Promise<PushResult> {
  checkRefName(o.branch);
  const remoteBranch = o.remoteBranch ?? o.branch;
  checkRefName(remoteBranch);
  const sha = await revParse(repo, `refs/heads/${o.branch}`);
  if (sha === undefined) {
    throw new GitError(['push'], null, '', `Cannot push "${o.branch}": no such local branch.`);
  }
  const call: GitCallOptions = {
    cwd: repo,
    timeoutMs: o.timeoutMs ?? 300_000,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(o.tokenUser !== undefined ? { tokenUser: o.tokenUser } : {}),
  };
  const remote = isGitUrl(o.remote) || !o.remote.includes('/') ? o.remote : path.resolve(repo, o.remote);
  const existing = await git(['ls-remote', '--heads', '--end-of-options', remote, `refs/heads/${remoteBranch}`], call);
  const remoteSha = existing.stdout.split('\t')[0]?.trim();
  if (remoteSha === sha) return { sha, pushed: false, remoteBranch };
  await git(
    [
      'push',
      '--quiet',
      '--no-verify',
      ...(o.force ? ['--force-with-lease'] : []),
      '--end-of-options',
      remote,
      `refs/heads/${o.branch}:refs/heads/${remoteBranch}`,
    ],
    call,
  );
  return { sha, pushed: true, remoteBranch };
}

export interface LogOptions {
  /** A revision or range (default HEAD). */
  ref?: string;
  max?: number;
  paths?: string[];
}

export interface LogEntry {
  sha: string;
  author: string;
  email: string;
  /** ISO-8601 author date. */
  date: string;
  subject: string;
}

export async function log(repo: string, o: LogOptions = {}): Promise<LogEntry[]> {
  if (o.ref?.startsWith('-')) {
    throw new GitError(['log', o.ref], null, '', `"${o.ref}" is not a revision: it must not start with "-".`);
  }
  const r = await git(
    [
      'log',
      '-z',
      `--max-count=${o.max ?? 20}`,
      '--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%s',
      o.ref ?? 'HEAD',
      '--',
      ...(o.paths ?? []),
    ],
    { cwd: repo },
  );
  return r.stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', author = '', email = '', date = '', subject = ''] = line.split('\x1f');
      return { sha, author, email, date, subject };
    });
}

/** `git show --stat --patch` of one commit. */
export async function show(repo: string, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new GitError(['show', ref], null, '', `"${ref}" is not a revision.`);
  const r = await git(['show', '--no-ext-diff', '--no-textconv', '--no-color', '--stat', '--patch', ref, '--'], {
    cwd: repo,
  });
  return r.stdout;
}
