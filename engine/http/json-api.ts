/**
 * The JSON-over-HTTP pieces both HTTP servers share (the runner's and the job manager's): errors
 * with a status, a message and the field at fault (`{"error": "...", "field"?: "..."}`), zod
 * validation that names the field, bounded JSON bodies, bearer tokens compared in constant time,
 * and starting a server on a host and port.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as z from 'zod';

const MAX_BODY = 64 * 1024;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): { error: string; field?: string } {
    return { error: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

/**
 * Validates a value with a zod schema, or throws a 400 naming the first field at fault, dotted and
 * prefixed (`options.window`), so a client can map it back to a flag.
 *
 * @example
 * const { directory } = parseOr400(z.strictObject({ directory: z.string() }), body);
 */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path;
  const field = [prefix, ...path.map(String)].filter((p) => p !== '').join('.') || prefix || 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
  throw new ApiError(400, `${field}: ${message}`, field);
}

/** A JSON body of at most 64 KiB (`{}` when empty). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new ApiError(413, `body larger than ${MAX_BODY} bytes`, 'body');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'body: not valid JSON', 'body');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** The request's `Authorization: Bearer <token>` equals `expected` (hashed first: no length leaks). */
export function bearerMatches(req: IncomingMessage, expected: string): boolean {
  return tokenMatches(/^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1], expected);
}

export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Starts a server whose handler may throw {@link ApiError}s (other errors answer 500).
 *
 * @example
 * const server = await serveJson('127.0.0.1', 0, async (req, res) => sendJson(res, 200, { ok: true }));
 */
export async function serveJson(host: string, port: number, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof ApiError ? e : new ApiError(500, (e as Error).message);
      sendJson(res, err.status, err.toJSON(), err.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // idle keep-alive connections would hold close() open
      }),
  };
}
