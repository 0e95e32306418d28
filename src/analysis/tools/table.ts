import type { InstallRoute, ToolDescriptor } from './descriptor.ts';
import { MODES, TOOLS } from './index.ts';

function route(r: InstallRoute | undefined): string {
  if (!r) return '—';
  switch (r.kind) {
    case 'pip':
      return `pip \`${r.package}==${r.version}\` (managed venv)`;
    case 'npm':
      return `npm \`${r.package}@${r.version}\` (managed prefix)`;
    case 'apt':
      return `apt \`${r.package}\``;
    case 'go':
      return `go install \`${r.module}@${r.version}\``;
  }
}

function modesOf(tool: ToolDescriptor): string {
  return (Object.keys(MODES) as (keyof typeof MODES)[]).filter((m) => MODES[m].includes(tool.name)).join(', ');
}

/** The docs' tool table, made from the descriptors (a test keeps docs/analysis.md in step with it). */
export function toolTableMarkdown(tools: readonly ToolDescriptor[] = TOOLS): string {
  const rows = tools.map(
    (t) =>
      `| [${t.title}](${t.informationUri}) | ${t.appliesTo.map((g) => `\`${g}\``).join(' ')} | ${route(t.install[0])} | ${t.ownConfigFiles.map((c) => `\`${c}\``).join(' ') || '—'} | ${modesOf(t)} |`,
  );
  return [
    '| tool | applies to | installed by | its own configs, honoured | modes |',
    '| ---- | ---------- | ------------ | ------------------------- | ----- |',
    ...rows,
  ].join('\n');
}
