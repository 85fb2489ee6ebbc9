/** Test helper: reads server-sent events from a URL until enough have come. */

export interface SseEvent {
  event: string;
  data: unknown;
}

/**
 * The first `n` events of the stream at `url` (comments skipped); rejects after `timeoutMs`.
 *
 * @example
 * const [snapshot] = await readEvents(`${url}/v1/trending/events`, 1);
 */
export async function readEvents(url: string, n: number, timeoutMs = 10_000, onOpen: () => void = () => undefined): Promise<SseEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const res = await fetch(url, { signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  onOpen();
  const events: SseEvent[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) as unknown });
        if (events.length >= n) return events;
      }
    }
  } catch (e) {
    if (abort.signal.aborted) throw new Error(`${url}: ${events.length} of ${n} events within ${timeoutMs} ms`);
    throw e;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new Error(`${url}: the stream ended after ${events.length} of ${n} events`);
}
