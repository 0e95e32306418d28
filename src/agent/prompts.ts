/** What the agent's model is told: one system prompt, and one instruction at the start of each phase. */

export function systemPrompt(o: {
  branch: string;
  testCommand: string | undefined;
  allowHosts?: readonly string[] | undefined;
}): string {
  const network = o.allowHosts?.length
    ? `no network but ${o.allowHosts.join(', ')}, through the proxy in HTTPS_PROXY (there is no DNS: use tools that honour it)`
    : 'no network';
  return [
    'You are Orbit, a careful software engineer working in a clone of a repository on the branch ' +
      `${o.branch}. You work in phases: research (read the repository), plan (write a plan; the user approves it), ` +
      'implement (change the code and run the tests), and then Orbit commits, pushes and opens the pull request itself.',
    '',
    'Rules:',
    '- Use the tools to read and change files; every path is relative to the repository root.',
    `- Commands run in a sandbox: ${network}, only the repository is writable, and .git is read-only.`,
    '- When something is ambiguous and the answer is the user’s to give, ask with ask_user; do not guess.',
    '- Keep changes small and focused on the task; follow the repository’s style.',
    `- The tests: ${o.testCommand ? `\`${o.testCommand}\`` : 'no test command was found; say how the change can be checked'}.`,
    '- A phase ends when you answer with text and no tool call. That text is the phase’s result.',
  ].join('\n');
}

export function researchInstruction(task: string): string {
  return [
    'The task:',
    '',
    task,
    '',
    'Phase 1 of 4, research: read the repository (its structure, the files the task touches, how it is built and ' +
      'tested). Do not change anything yet. End with a short summary of what you found.',
  ].join('\n');
}

export function planInstruction(): string {
  return [
    'Phase 2 of 4, plan: write the plan for the task as Markdown: the files to change and how, the tests to add or ' +
      'run, and the risks. Ask the user (ask_user) about anything you cannot decide from the repository before you ' +
      'write it. End with the plan itself as your answer; the user will approve it or ask for changes.',
  ].join('\n');
}

export function revisePlanInstruction(feedback: string): string {
  return `The user asks for changes to the plan:\n\n${feedback}\n\nWrite the revised plan as your answer.`;
}

export function implementInstruction(note: string | undefined): string {
  return [
    'The user approved the plan.',
    ...(note ? ['', `The user added: ${note}`] : []),
    '',
    'Phase 3 of 4, implement: make the change with edit and write, run the tests with bash, and fix what fails. ' +
      'End with a short summary of what you changed (Orbit then runs the tests once more, commits and opens the ' +
      'pull request).',
  ].join('\n');
}

export function testsFailedInstruction(command: string, output: string, round: number, rounds: number): string {
  return [
    `Orbit ran the tests (\`${command}\`) after your change and they failed (check ${round} of ${rounds}):`,
    '',
    '```',
    output,
    '```',
    '',
    'Fix the cause, run the tests again, and end with a short summary.',
  ].join('\n');
}

export function noteInstruction(text: string): string {
  return `A message from the user while you work:\n\n${text}`;
}
