/**
 * A client of the job manager's REST API, for the `eddy submit|list|status|cancel|stop|savepoint`
 * commands. Every failure becomes a ClusterClientError with a one-line message a user can act on.
 */

/** A failed call: the job manager's `{error, field}`, or why it could not be reached. */
export class ClusterClientError extends Error {
  override readonly name = 'ClusterClientError';
  constructor(
    message: string,
    readonly status?: number,
    readonly field?: string,
  ) {
    super(message);
  }
}

export interface ClusterClientOptions {
  /** e.g. `http://127.0.0.1:8081`. */
  url: string;
  /** Sent on POSTs; GETs need none. */
  token?: string;
  timeoutMs?: number;
}

/**
 * @example
 * const client = new ClusterClient({ url: 'http://127.0.0.1:8081', token });
 * const { id } = await client.request<{ id: string }>('POST', '/v1/jobs', { job: 'content-popularity', options: {} });
 */
export class ClusterClient {
  constructor(readonly o: ClusterClientOptions) {}

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = `${this.o.url.replace(/\/+$/, '')}${path}`;
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST') {
      if (this.o.token === undefined) throw new ClusterClientError("no token: pass --token-file PATH or set EDDY_TOKEN (the job manager printed where its token file is)");
      headers.authorization = `Bearer ${this.o.token}`;
    }
    let res: Response;
    try {
      res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), signal: AbortSignal.timeout(this.o.timeoutMs ?? 310_000) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new ClusterClientError(`job manager not reachable at ${this.o.url} (${why}): start it with 'eddy cluster start'`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new ClusterClientError(`${this.o.url} answered ${res.status} without JSON: is it an Eddy job manager?`, res.status);
    }
    if (!res.ok) {
      const { error, field } = json as { error?: string; field?: string };
      throw new ClusterClientError(error ?? `HTTP ${res.status}`, res.status, field);
    }
    return json as T;
  }
}
