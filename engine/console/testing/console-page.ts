/** Test helper: a console page in Chromium that records the page's own errors, to assert there were none. */
import type { BrowserContext, Page } from 'playwright-core';

export interface ConsolePage {
  page: Page;
  /** Uncaught errors and console errors of the page so far. */
  errors: string[];
  /** Goes to `#<route>` and waits until the page has drawn. */
  show(route: string): Promise<void>;
}

/**
 * @example
 * const c = await openConsole(browser.context, runnerUrl);
 * await c.show('/jobs/this');
 */
export async function openConsole(context: BrowserContext, url: string): Promise<ConsolePage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.setDefaultTimeout(30_000);
  return {
    page,
    errors,
    async show(route) {
      await page.goto(`${url}/ui/#${route}`);
      await page.waitForSelector('body[data-page]');
    },
  };
}

/**
 * Waits until `expression` (JavaScript, evaluated in the page: it sees `document`, which this
 * Node-typed code does not) is true.
 */
export async function waitInPage(page: Page, expression: string, timeoutMs = 30_000): Promise<void> {
  await page.waitForFunction(expression, undefined, { timeout: timeoutMs, polling: 250 });
}
