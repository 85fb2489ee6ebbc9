/**
 * Follows a server-sent event stream and reconnects when it closes: the browser retries a dropped
 * connection by itself, but not one answered with an error (a job whose runner does not serve yet
 * answers 503), so this opens a new one a few seconds later. Stops when the page is left.
 */
import type { PageContext } from './page.js';

const RETRY_MS = 3_000;

/**
 * @example
 * follow(ctx, '/v1/live', { sample: (s) => draw(s as LiveSample) });
 */
export function follow(ctx: PageContext, path: string, handlers: Record<string, (data: unknown) => void>): void {
  let source: EventSource | undefined;
  let timer: number | undefined;
  let left = false;
  const open = (): void => {
    source = new EventSource(path);
    for (const [event, handle] of Object.entries(handlers)) {
      source.addEventListener(event, (e) => {
        ctx.error(null);
        handle(JSON.parse((e as MessageEvent<string>).data) as unknown);
      });
    }
    source.onerror = () => {
      if (source?.readyState !== EventSource.CLOSED || left) return;
      ctx.error(`the stream ${path} is not available (the job may be starting or ended); retrying`);
      timer = window.setTimeout(open, RETRY_MS);
    };
  };
  ctx.onLeave(() => {
    left = true;
    window.clearTimeout(timer);
    source?.close();
  });
  open();
}
