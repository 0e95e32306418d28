import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** App modes whose graph Orbit validates. */
export type GraphAppMode = 'workflow' | 'advanced-chat';

/** How a node takes part in the graph; drives the graph rules so they need no per-type code. */
export type NodeRole =
  | 'root' // start-like entry of the whole graph
  | 'step' // ordinary executable node, one `source` handle
  | 'branch' // picks one of several source handles
  | 'terminal' // end / answer
  | 'container' // iteration / loop
  | 'container-start' // iteration-start / loop-start
  | 'container-end'; // loop-end

/** What a node publishes to the variable pool: named outputs, or `open` when the names depend on a plugin. */
export interface NodeOutputs {
  names: string[];
  open?: boolean;
}

/** A value selector found in node data outside the generic `*_selector` keys. */
export interface SelectorRef {
  /** JSON pointer relative to the node's `data`. */
  path: string;
  selector: string[];
}

/** One built-in node type: its schema and the facts the graph rules need. */
export interface NodeSpec<S extends TSchema = TSchema> {
  type: string;
  /** Legacy `data.type` strings that mean the same node. */
  aliases?: string[];
  role: NodeRole;
  /** App modes in which this node may appear; all graph modes when absent. */
  modes?: GraphAppMode[];
  /** Container kind a `container-start`/`container-end` node must sit in. */
  container?: 'iteration' | 'loop';
  schema: S;
  outputs(data: Static<S>): NodeOutputs;
  /** Source handles of a branch node (besides fail-branch handles). */
  handles?(data: Static<S>): string[];
  /** Selectors in places the generic walk does not see. */
  selectors?(data: Static<S>): SelectorRef[];
  /** Rules the schema cannot express (e.g. a payload that depends on `version`). */
  check?(data: Static<S>, context: NodeCheckContext): NodeProblem[];
}

export interface NodeCheckContext {
  /** DSL version of the document being validated. */
  dslVersion: string;
}

/** A finding of a node's own check; `path` is relative to the node's `data`. */
export interface NodeProblem {
  rule: string;
  severity?: 'error' | 'warning';
  path: string;
  message: string;
}

export function defineNode<S extends TSchema>(spec: NodeSpec<S>): NodeSpec {
  return spec as unknown as NodeSpec;
}

// Shared pieces. Dify's node entities allow extra keys (`extra="allow"`), so objects stay open.
const open = { additionalProperties: true } as const;

export const Selector = Type.Array(Type.String(), { description: '[node_id, variable, ...keys]' });

/** Selectors in exports are sometimes written with numeric ids; YAML may load an id like 1718 as a number. */
export const LooseSelector = Type.Array(Type.Union([Type.String(), Type.Number()]));

export const ModelConfig = Type.Object(
  {
    provider: Type.String(),
    name: Type.String(),
    mode: Type.Optional(Type.String()),
    completion_params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  open,
);

export const Memory = Type.Union([
  Type.Null(),
  Type.Object(
    {
      window: Type.Optional(
        Type.Object({ enabled: Type.Boolean(), size: Type.Optional(Type.Union([Type.Integer(), Type.Null()])) }, open),
      ),
      role_prefix: Type.Optional(Type.Union([Type.Null(), Type.Object({}, open)])),
      query_prompt_template: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    },
    open,
  ),
]);

export const Vision = Type.Object(
  {
    enabled: Type.Boolean(),
    configs: Type.Optional(
      Type.Object({ variable_selector: Type.Optional(Selector), detail: Type.Optional(Type.String()) }, open),
    ),
  },
  open,
);

/** `{variable, value_selector}` pairs: code, template-transform, llm jinja2 variables. */
export const VariableSelectorPair = Type.Object({ variable: Type.String(), value_selector: Selector }, open);

export const COMPARISON_OPERATORS = new Set([
  'contains',
  'not contains',
  'start with',
  'end with',
  'is',
  'is not',
  'empty',
  'not empty',
  'in',
  'not in',
  'all of',
  '=',
  '≠',
  '>',
  '<',
  '≥',
  '≤',
  'null',
  'not null',
  'exists',
  'not exists',
]);

export const Condition = Type.Object(
  {
    variable_selector: Type.Optional(Selector),
    // unknown operators are reported by conditionProblems (a warning: some real exports carry editor-made ones)
    comparison_operator: Type.String(),
    value: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String()), Type.Boolean(), Type.Number(), Type.Null()]),
    ),
    sub_variable_condition: Type.Optional(Type.Union([Type.Null(), Type.Object({}, open)])),
  },
  open,
);

export const LogicalOperator = Type.Union([Type.Literal('and'), Type.Literal('or')]);

/** Fields every node's `data` may carry (graphon BaseNodeData) plus the container bookkeeping the runtime reads. */
export function nodeData<P extends Record<string, TSchema>>(type: string | string[], properties: P) {
  const typeSchema = Array.isArray(type) ? Type.Union(type.map((t) => Type.Literal(t))) : Type.Literal(type);
  return Type.Object(
    {
      type: typeSchema,
      title: Type.Optional(Type.String()),
      desc: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      version: Type.Optional(Type.String()),
      error_strategy: Type.Optional(
        Type.Union([Type.Literal('fail-branch'), Type.Literal('default-value'), Type.Literal('none'), Type.Null()]),
      ),
      default_value: Type.Optional(
        Type.Union([
          Type.Null(),
          Type.Array(Type.Object({ key: Type.String(), type: Type.String(), value: Type.Unknown() }, open)),
        ]),
      ),
      retry_config: Type.Optional(
        Type.Object(
          {
            retry_enabled: Type.Optional(Type.Boolean()),
            // Pydantic's lax mode also takes numeric strings ("1"), which real exports contain
            max_retries: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+$' })])),
            retry_interval: Type.Optional(
              Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\d+$' })]),
            ),
          },
          open,
        ),
      ),
      isInIteration: Type.Optional(Type.Boolean()),
      isInLoop: Type.Optional(Type.Boolean()),
      iteration_id: Type.Optional(Type.String()),
      loop_id: Type.Optional(Type.String()),
      ...properties,
    },
    open,
  );
}

export const StringOrNull = Type.Union([Type.String(), Type.Null()]);

/** Warnings for conditions whose operator the engine does not know (such a condition never matches). */
export function conditionProblems(conditions: readonly { comparison_operator: string }[] | undefined, base: string) {
  const problems: NodeProblem[] = [];
  (conditions ?? []).forEach((c, i) => {
    if (!COMPARISON_OPERATORS.has(c.comparison_operator)) {
      problems.push({
        rule: 'node.unknown-operator',
        severity: 'warning',
        path: `${base}/${i}/comparison_operator`,
        message: `comparison operator "${c.comparison_operator}" is not one Dify knows (${[...COMPARISON_OPERATORS].join(', ')})`,
      });
    }
  });
  return problems;
}
