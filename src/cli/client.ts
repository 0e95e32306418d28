import type { Config } from '../platform/config.ts';
import { CliError } from './output.ts';

/** A small client for the Orbit API, for CLI commands that go through the server. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  static fromConfig(config: Config): ApiClient {
    return new ApiClient(config.serverUrl.replace(/\/$/, ''), config.apiKey);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}), ...extra };
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const p = (data ?? {}) as { detail?: string; errors?: { pointer: string; message: string }[] };
      const fields = (p.errors ?? []).map((e) => `\n  ${e.pointer}: ${e.message}`).join('');
      throw new CliError(`${res.status} ${p.detail ?? res.statusText}${fields}`, 1, 'api-error');
    }
    return data as T;
  }

  async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(this.baseUrl + path, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new CliError(
        `Cannot reach the Orbit server at ${this.baseUrl} (${cause}). Start it with \`npm start\` (or \`orbit serve\`), or point ORBIT_URL at a running server.`,
        1,
        'server-unreachable',
      );
    }
  }
}
