import type { AppMode } from './normalize.ts';

/** One search hit of the workflow knowledge base (`src/workflowgen/kb`). */
export interface KnowledgeHit {
  id: string;
  name: string;
  description: string;
  mode: string;
  nodeTypes: string[];
  patterns: string[];
  dsl: string;
  score: number;
}

/**
 * What the agents need of the knowledge base: its search. `KnowledgeBase` satisfies it; the agents depend on this
 * shape rather than the class so that they stay testable against any store of examples.
 */
export interface WorkflowKnowledge {
  search(query: string, options: { limit: number; mode?: AppMode }): Promise<KnowledgeHit[]>;
}

/** The closest examples as a Markdown list (suggestions when no model is configured, and the retrieve step's record). */
export function renderSuggestions(hits: readonly KnowledgeHit[], heading: string): string {
  const lines = [`# ${heading}`, ''];
  if (hits.length === 0) lines.push('The knowledge base holds no workflow close to this request.');
  for (const h of hits) {
    lines.push(
      `## ${h.name} (\`${h.id}\`, ${h.mode})`,
      '',
      h.description || '(no description)',
      '',
      `- node types: ${h.nodeTypes.join(', ') || '(none)'}`,
      ...(h.patterns.length > 0 ? [`- patterns: ${h.patterns.join(', ')}`] : []),
      `- relevance: ${h.score.toFixed(3)}`,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
