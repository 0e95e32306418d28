export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Parses a text/event-stream response body into messages (comments and keep-alives are skipped). */
export async function* readSse(res: Response): AsyncGenerator<SseMessage> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = parseBlock(block);
      if (message) yield message;
      end = buffer.indexOf('\n\n');
    }
  }
}

export function parseBlock(block: string): SseMessage | undefined {
  const data: string[] = [];
  const message: SseMessage = { data: '' };
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'id') message.id = value;
    else if (field === 'event') message.event = value;
  }
  if (data.length === 0) return undefined;
  message.data = data.join('\n');
  return message;
}
