import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type DslDocument, nodeSpec } from '../dsl/index.ts';

/**
 * A benchmark request (`examples/workflow-requests/*.yaml`) and the properties any correct answer must have. They are
 * lower bounds on structure, not a reference graph: many graphs solve one request, and names are the model's choice.
 */
export const WorkflowRequestSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9-]+$' }),
    request: Type.String({ minLength: 1, maxLength: 4000 }),
    mode: Type.Union([Type.Literal('workflow'), Type.Literal('advanced-chat')]),
    expect: Type.Object(
      {
        /** Node types that must appear (at least once each). */
        nodeTypes: Type.Array(Type.String(), { minItems: 1 }),
        /** At least this many alternative paths out of branch nodes (if-else handles incl. else, classifier classes). */
        branches: Type.Optional(Type.Integer({ minimum: 0 })),
        /** At least this many start-node input variables. */
        inputs: Type.Optional(Type.Integer({ minimum: 0 })),
        /** Input types that must be among them (e.g. `file`). */
        inputTypes: Type.Optional(Type.Array(Type.String())),
        /** Workflow apps: at least this many end-node outputs. */
        outputs: Type.Optional(Type.Integer({ minimum: 0 })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type WorkflowRequest = Static<typeof WorkflowRequestSchema>;

const checkRequest = TypeCompiler.Compile(WorkflowRequestSchema);

/** Parses one request file's value, or throws naming the file and every bad field. */
export function parseWorkflowRequest(value: unknown, file: string): WorkflowRequest {
  if (!checkRequest.Check(value)) {
    const problems = [...checkRequest.Errors(value)].map((e) => `${e.path || '/'}: ${e.message}`);
    throw new Error(`${file} is not a valid workflow request: ${problems.join('; ')}`);
  }
  for (const t of value.expect.nodeTypes) {
    if (!nodeSpec(t)) throw new Error(`${file}: expect.nodeTypes names "${t}", which is no Dify node type`);
  }
  return value;
}

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

type Json = Record<string, unknown>;
const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a generated (already validated) document against a request's expectations. */
export function scoreWorkflow(request: WorkflowRequest, document: DslDocument): Check[] {
  const nodes = (document.workflow.graph.nodes as Json[]).filter((n) => isRecord(n) && isRecord(n.data));
  const data = nodes.map((n) => n.data as Json);
  const types = new Set(data.map((d) => String(d.type)));
  const checks: Check[] = [
    { name: 'mode', passed: document.app.mode === request.mode, detail: `${document.app.mode}` },
  ];
  for (const t of request.expect.nodeTypes) {
    checks.push({ name: `node ${t}`, passed: types.has(t), detail: types.has(t) ? 'present' : 'missing' });
  }
  const e = request.expect;
  if (e.branches !== undefined) {
    const branches = data.reduce((sum, d) => {
      const spec = nodeSpec(String(d.type));
      return sum + (spec?.role === 'branch' && spec.handles ? spec.handles(d as never).length : 0);
    }, 0);
    checks.push({ name: `≥${e.branches} branches`, passed: branches >= e.branches, detail: `${branches}` });
  }
  const start = data.find((d) => d.type === 'start');
  const variables = (Array.isArray(start?.variables) ? start.variables : []).filter(isRecord);
  if (e.inputs !== undefined) {
    checks.push({ name: `≥${e.inputs} inputs`, passed: variables.length >= e.inputs, detail: `${variables.length}` });
  }
  for (const t of e.inputTypes ?? []) {
    const found = variables.some((v) => v.type === t);
    checks.push({ name: `input of type ${t}`, passed: found, detail: found ? 'present' : 'missing' });
  }
  if (e.outputs !== undefined) {
    const outputs = data
      .filter((d) => d.type === 'end')
      .reduce((max, d) => Math.max(max, Array.isArray(d.outputs) ? d.outputs.length : 0), 0);
    checks.push({ name: `≥${e.outputs} outputs`, passed: outputs >= e.outputs, detail: `${outputs}` });
  }
  return checks;
}
