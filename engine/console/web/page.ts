/** What a page gets: where to draw, and a place to register what must stop when it is left. */
export interface PageContext {
  root: HTMLElement;
  /** Runs `fn` now and every `ms` while the page is shown; errors show in the page's error box. */
  every(ms: number, fn: () => Promise<void>): void;
  /** Called when the page is left. */
  onLeave(fn: () => void): void;
  /** Shows an error at the top of the page (null clears it). */
  error(message: string | null): void;
  /** Whether actions are possible: the server takes them and a token is entered. */
  canAct: boolean;
}

export type Page = (ctx: PageContext, params: string[]) => Promise<void>;
