export interface PullRequestBodyInput {
  task: string;
  plan: string;
  changes: { path: string; added: number; removed: number }[];
  tests: { command: string; ok: boolean; summary: string };
}

/** Markdown body of an agent pull request: the task, the plan, the changed files and the test results. */
export function renderPullRequestBody(i: PullRequestBodyInput): string {
  const quote = (s: string) =>
    s
      .trim()
      .split('\n')
      .map((l) => `> ${l}`)
      .join('\n');
  const rows = i.changes.length
    ? [
        '| File | + | − |',
        '| --- | ---: | ---: |',
        ...i.changes.map((c) => `| \`${c.path.replaceAll('|', '\\|')}\` | ${c.added} | ${c.removed} |`),
      ]
    : ['No file changes.'];
  const added = i.changes.reduce((n, c) => n + c.added, 0);
  const removed = i.changes.reduce((n, c) => n + c.removed, 0);
  return [
    '## Task',
    '',
    quote(i.task || '(no description)'),
    '',
    '## Plan',
    '',
    i.plan.trim() || '(no plan recorded)',
    '',
    `## Changes (${i.changes.length} file${i.changes.length === 1 ? '' : 's'}, +${added} −${removed})`,
    '',
    ...rows,
    '',
    '## Tests',
    '',
    `${i.tests.ok ? '✅ passed' : '❌ failed'}: \`${i.tests.command}\``,
    '',
    '```',
    i.tests.summary.trim(),
    '```',
    '',
    '---',
    '_Opened by the Orbit agent._',
    '',
  ].join('\n');
}

const DOC = /(^|\/)(docs?|documentation)\/|\.(md|mdx|rst|adoc|txt)$/i;
const TEST = /(^|\/)(tests?|__tests__|spec)\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test_[^/]+\.py$|_test\.(py|go)$/i;
const CI = /^\.github\/workflows\/|^\.gitlab-ci\.yml$|^\.circleci\/|^\.ci\/|^Jenkinsfile$|^azure-pipelines\.yml$/i;
const DEPS =
  /(^|\/)(package(-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|requirements[^/]*\.txt|poetry\.lock|Pipfile(\.lock)?|pyproject\.toml|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|composer\.(json|lock)|pom\.xml|build\.gradle(\.kts)?)$/i;
const FRONTEND =
  /\.(tsx|jsx|vue|svelte|css|scss|sass|less|html)$|(^|\/)(frontend|web|ui|client|components|pages|public)\//i;
const BACKEND = /\.(py|go|rs|java|kt|rb|php|cs|sql)$|(^|\/)(server|backend|api|src)\/.*\.[cm]?[jt]s$/i;

/** Labels from the kinds of change: docs, tests, ci, dependencies, frontend, backend (sorted, no duplicates). */
export function labelsFor(changedPaths: string[]): string[] {
  const labels = new Set<string>();
  for (const raw of changedPaths) {
    const p = raw.replaceAll('\\', '/').replace(/^\.\//, '');
    if (CI.test(p)) labels.add('ci');
    else if (DEPS.test(p)) labels.add('dependencies');
    else if (TEST.test(p)) labels.add('tests');
    else if (DOC.test(p)) labels.add('docs');
    else if (FRONTEND.test(p)) labels.add('frontend');
    else if (BACKEND.test(p)) labels.add('backend');
  }
  return [...labels].sort();
}
