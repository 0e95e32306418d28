import { readFileSync } from 'node:fs';

/**
 * Prompts live as Markdown files in `prompts/` beside this code: they are prose, reviewed and diffed as prose, and
 * a prompt change shows up as a text change rather than an edit inside string literals. Each is read once, at
 * module load, so a missing file fails at startup rather than mid-run.
 */
export type PromptName =
  | 'system'
  | 'understand'
  | 'design'
  | 'write'
  | 'edit'
  | 'repair'
  | 'examples'
  | 'node-reference';

const NAMES: readonly PromptName[] = [
  'system',
  'understand',
  'design',
  'write',
  'edit',
  'repair',
  'examples',
  'node-reference',
];

const templates = new Map<PromptName, string>(
  NAMES.map((name) => [name, readFileSync(new URL(`./prompts/${name}.md`, import.meta.url), 'utf8').trim()]),
);

/**
 * Fills `{{name}}` placeholders in one pass, so text put in (a user's request, a Dify template such as
 * `{{#start.text#}}`) is never expanded again. A placeholder without a value is an error in the caller.
 */
export function renderPrompt(name: PromptName, values: Record<string, string> = {}): string {
  const template = templates.get(name) ?? '';
  return template.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`prompt "${name}" needs a value for {{${key}}}`);
    return value;
  });
}
