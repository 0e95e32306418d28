import { XMLParser } from 'fast-xml-parser';
import { ToolOutputError } from './descriptor.ts';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Elements that may occur once or many times always come back as arrays.
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ['file', 'error', 'location'].includes(name),
  parseAttributeValue: false,
  processEntities: true,
});

/** An XML report from a tool, or a ToolOutputError naming the tool and what it printed instead. */
export function parseXml(tool: string, text: string, root: string): Record<string, unknown> {
  const start = text.indexOf('<?xml');
  const body = start >= 0 ? text.slice(start) : text.trim();
  if (!body.includes(`<${root}`)) {
    throw new ToolOutputError(`${tool} printed no <${root}> report: ${text.trim().slice(0, 200) || '(nothing)'}`);
  }
  try {
    return parser.parse(body) as Record<string, unknown>;
  } catch (err) {
    throw new ToolOutputError(`${tool} printed XML that does not parse: ${(err as Error).message}`);
  }
}

/** A whole number from an XML attribute, or undefined. */
export function intAttr(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
