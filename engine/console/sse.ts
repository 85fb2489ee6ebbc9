/**
 * Server-sent events over a plain Node response: the console's server push (view updates, live
 * series). A comment line every 15 s keeps proxies and idle timeouts from closing a quiet stream.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;

export interface SseStream {
  /** Sends one event; its data as JSON on one line. */
  send(event: string, data: unknown): void;
  /** Resolves when the client goes away (or {@link SseStream.end} is called). */
  readonly closed: Promise<void>;
  end(): void;
}

/**
 * Answers the request with an event stream.
 *
 * @example
 * const sse = openSse(req, res);
 * const off = feed.subscribe((changed) => sse.send('update', { changed }));
 * await sse.closed;
 * off();
 */
export function openSse(req: IncomingMessage, res: ServerResponse): SseStream {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': eddy\n\n');
  let open = true;
  let done: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (done = resolve));
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const finish = (): void => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    done();
  };
  req.on('close', finish);
  res.on('close', finish);
  return {
    send(event, data) {
      if (open) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    closed,
    end() {
      finish();
      res.end();
    },
  };
}

/**
 * A set of listeners: what a view or the live sampler pushes to, and each open stream listens on.
 *
 * @example
 * const feed = new Feed<string[]>();
 * const off = feed.subscribe((keys) => console.log(keys));
 * feed.publish(['movies']);
 * off();
 */
export class Feed<T> {
  readonly #listeners = new Set<(value: T) => void>();

  subscribe(listener: (value: T) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  publish(value: T): void {
    for (const l of this.#listeners) l(value);
  }

  get size(): number {
    return this.#listeners.size;
  }
}
