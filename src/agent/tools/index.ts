/**
 * The agent's tools, each one module defined through defineTool (argument validation, errors the model can act on,
 * output truncation, events, usage). Every path is resolved inside the run's workspace.
 */
import { askUserTool } from './ask-user.ts';
import { bashTool } from './bash.ts';
import type { AgentTool } from './define.ts';
import { editTool } from './edit.ts';
import { gitTool } from './git.ts';
import { globTool } from './glob.ts';
import { grepTool } from './grep.ts';
import { readTool } from './read.ts';
import { todoTool } from './todo.ts';
import { writeTool } from './write.ts';

export { askUserTool } from './ask-user.ts';
export { BASH_DEFAULT_TIMEOUT_SECONDS, BASH_MAX_TIMEOUT_SECONDS, bashTool, networkFor, SANDBOX_ENV } from './bash.ts';
export {
  type AgentTool,
  DEFAULT_MAX_OUTPUT_CHARS,
  defineTool,
  type SandboxLimits,
  type TodoItem,
  type TodoState,
  type ToolContext,
  ToolError,
  type ToolResult,
  truncateOutput,
} from './define.ts';
export { editTool } from './edit.ts';
export { GIT_SUBCOMMANDS, gitTool } from './git.ts';
export { globTool } from './glob.ts';
export { grepTool } from './grep.ts';
export { READ_MAX_FILE_BYTES, readTool } from './read.ts';
export { renderTodo, todoTool } from './todo.ts';
export { WRITE_MAX_BYTES, writeTool } from './write.ts';

/** All nine tools, in the order the model sees them. */
export function createAgentTools(): AgentTool<unknown>[] {
  return [
    grepTool,
    globTool,
    readTool,
    editTool,
    writeTool,
    bashTool,
    gitTool,
    todoTool,
    askUserTool,
  ] as AgentTool<unknown>[];
}
