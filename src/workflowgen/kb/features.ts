/**
 * The vocabulary the knowledge base indexes a workflow by: its node types and the patterns they form, each with the
 * plain English words a person uses for it. The words go into the full-text index (so an English query finds a
 * workflow whose titles are in Chinese) and drive the structural fallback of search.
 */

/** Words for each node type (a query word matching one of them counts the node type as asked for). */
export const NODE_TYPE_WORDS: Readonly<Record<string, readonly string[]>> = {
  start: ['start', 'input', 'inputs'],
  end: ['end', 'output', 'outputs', 'result'],
  answer: ['answer', 'reply', 'chat', 'chatbot', 'conversation'],
  llm: ['llm', 'model', 'prompt', 'gpt', 'ai', 'generate', 'write'],
  'knowledge-retrieval': ['knowledge', 'retrieval', 'retrieve', 'rag', 'dataset', 'documents'],
  'question-classifier': ['classifier', 'classify', 'classification', 'category', 'categories', 'intent', 'route'],
  'if-else': ['condition', 'conditional', 'branch', 'branching', 'else'],
  code: ['code', 'python', 'javascript', 'script'],
  'template-transform': ['template', 'jinja', 'format', 'formatting'],
  'http-request': ['http', 'api', 'request', 'url', 'fetch', 'webhook', 'rest'],
  tool: ['tool', 'tools', 'plugin', 'search'],
  'variable-aggregator': ['aggregator', 'aggregate', 'merge'],
  assigner: ['assigner', 'assign', 'variable', 'memory', 'state'],
  'parameter-extractor': ['extract', 'extractor', 'parameter', 'parameters', 'structured'],
  iteration: ['iteration', 'iterate', 'each', 'batch', 'map'],
  'iteration-start': [],
  loop: ['loop', 'repeat', 'until', 'retry'],
  'loop-start': [],
  'loop-end': [],
  'document-extractor': ['document', 'documents', 'file', 'files', 'pdf', 'upload', 'extract'],
  'list-operator': ['list', 'filter', 'sort'],
  agent: ['agent', 'agents', 'reasoning', 'react'],
  'human-input': ['human', 'approval', 'approve', 'review', 'form', 'manual'],
  'trigger-webhook': ['trigger', 'webhook'],
  'trigger-schedule': ['trigger', 'schedule', 'scheduled', 'cron', 'daily'],
  'trigger-plugin': ['trigger', 'plugin', 'event'],
};

/** A pattern: a name, what it means, the words for it. */
export interface PatternDefinition {
  name: string;
  meaning: string;
  words: readonly string[];
}

export const PATTERNS: readonly PatternDefinition[] = [
  {
    name: 'branching',
    meaning: 'an if-else or question-classifier node chooses a path',
    words: ['branch', 'branching', 'condition', 'route', 'routing', 'decide', 'decision'],
  },
  {
    name: 'classification',
    meaning: 'a question-classifier sorts the input into classes',
    words: ['classify', 'classification', 'category', 'intent'],
  },
  {
    name: 'iteration',
    meaning: 'an iteration node runs a sub-graph for each item of a list',
    words: ['iteration', 'iterate', 'each', 'batch'],
  },
  { name: 'loop', meaning: 'a loop node repeats a sub-graph until a condition holds', words: ['loop', 'repeat'] },
  {
    name: 'rag',
    meaning: 'knowledge retrieval feeds documents to a model',
    words: ['rag', 'knowledge', 'retrieval', 'documents'],
  },
  { name: 'http', meaning: 'an http-request node calls an external API', words: ['http', 'api', 'rest', 'webhook'] },
  { name: 'code', meaning: 'a code node runs Python or JavaScript', words: ['code', 'python', 'javascript', 'script'] },
  { name: 'tool', meaning: 'a tool node calls a built-in or plugin tool', words: ['tool', 'tools', 'plugin'] },
  { name: 'agent', meaning: 'an agent node lets a model call tools on its own', words: ['agent', 'agents'] },
  {
    name: 'parallel',
    meaning: 'one node fans out to several nodes that run at the same time',
    words: ['parallel', 'concurrent', 'simultaneous', 'fan'],
  },
  {
    name: 'human-input',
    meaning: 'the run pauses for a person to fill in a form or approve',
    words: ['human', 'approval', 'review', 'manual'],
  },
  {
    name: 'multi-llm',
    meaning: 'several model calls, e.g. draft, critique, improve',
    words: ['chain', 'multi', 'multistep', 'critique', 'refine'],
  },
  {
    name: 'extraction',
    meaning: 'a parameter-extractor turns text into structured fields',
    words: ['extract', 'extraction', 'structured', 'parameters'],
  },
  {
    name: 'file-input',
    meaning: 'the app takes files (a file input or a document-extractor)',
    words: ['file', 'files', 'upload', 'document', 'pdf', 'image'],
  },
  {
    name: 'conversation-memory',
    meaning: 'conversation variables or an assigner keep state between turns',
    words: ['memory', 'state', 'remember', 'session'],
  },
  { name: 'template', meaning: 'a template-transform formats text with Jinja', words: ['template', 'jinja', 'format'] },
  {
    name: 'aggregation',
    meaning: 'a variable-aggregator joins the outputs of several branches',
    words: ['aggregate', 'merge', 'combine'],
  },
  {
    name: 'error-handling',
    meaning: 'a node has an error strategy (default value or fail branch)',
    words: ['error', 'errors', 'fallback', 'failure', 'retry'],
  },
  {
    name: 'trigger',
    meaning: 'the workflow starts from a webhook, a schedule or a plugin event',
    words: ['trigger', 'schedule', 'cron', 'webhook'],
  },
];

/** Lower-case words of a text, letters and digits only, with a plural "s" dropped so "workflows" meets "workflow". */
export function queryWords(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return [...new Set(words.flatMap((w) => (w.length > 3 && w.endsWith('s') ? [w, w.slice(0, -1)] : [w])))];
}

/**
 * How well an entry's node types and patterns fit the words of a query: one point per query word that names a node
 * type or pattern the entry has (by its own name or one of its words). Used when full-text search finds nothing.
 */
export function structuralScore(words: readonly string[], nodeTypes: readonly string[], patterns: readonly string[]) {
  const vocabulary = new Set<string>();
  for (const type of nodeTypes) {
    for (const part of type.split('-')) vocabulary.add(part);
    for (const w of NODE_TYPE_WORDS[type] ?? []) vocabulary.add(w);
  }
  for (const name of patterns) {
    for (const part of name.split('-')) vocabulary.add(part);
    for (const w of PATTERNS.find((p) => p.name === name)?.words ?? []) vocabulary.add(w);
  }
  return words.filter((w) => vocabulary.has(w)).length;
}
