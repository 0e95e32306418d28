import fs from 'node:fs';
import path from 'node:path';
import type { ArgvContext, ToolEnvironment } from './descriptor.ts';

/**
 * Go tools inside the sandbox: caches in its private /tmp, no module downloads (the sandbox has no network, and
 * a repository's dependencies must already be vendored or in its module cache), no toolchain switching.
 */
export const GO_ENV: Record<string, string> = {
  GOCACHE: '/tmp/go-cache',
  GOPATH: '/tmp/go-path',
  GOFLAGS: '-mod=mod',
  GOPROXY: 'off',
  GOTOOLCHAIN: 'local',
  GOTELEMETRY: 'off',
  CGO_ENABLED: '0',
  HOME: '/tmp',
};

const GO_CANDIDATES = ['/usr/local/go/bin/go', '/usr/lib/go/bin/go', '/usr/bin/go'];

/** The Go toolchain's `go`, where Go's installer or Debian put it. */
export function findGo(_env?: ToolEnvironment): string | undefined {
  return GO_CANDIDATES.find((p) => fs.existsSync(p));
}

/** GOROOT (visible read-only in the sandbox) and `go` on the sandbox's PATH, for tools that load packages. */
export function goRuntime(): { readOnly: string[]; env: Record<string, string> } {
  const go = findGo();
  if (!go) return { readOnly: [], env: GO_ENV };
  const root = path.dirname(path.dirname(fs.realpathSync(go)));
  return {
    readOnly: root.startsWith('/usr/') && !root.startsWith('/usr/local/') ? [] : [root],
    env: { ...GO_ENV, GOROOT: root, PATH: `${root}/bin:/usr/bin:/bin` },
  };
}

/** The packages (directories, `./dir`) that hold the given Go files: Go tools take packages, not files. */
export function goPackages(ctx: ArgvContext): string[] {
  return [...new Set(ctx.files.map((f) => `./${path.posix.dirname(f)}`))].sort().map((d) => (d === './.' ? '.' : d));
}
