/**
 * Debian's Chromium, driven by playwright-core (a dev dependency), for the console's browser tests
 * and screenshots: headless, with a fresh profile and everything that would reach the network
 * turned off (on a closed network Chromium otherwise hangs on those connections). No browser is
 * downloaded: a missing Chromium is an error saying how to install it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where Chromium is looked for: `$EDDY_CHROMIUM`, else Debian's. */
export function chromiumPath(): string {
  const path = process.env.EDDY_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium is missing at ${path}: install Debian's (sudo apt-get install -y chromium, as .ci/run does), or point EDDY_CHROMIUM at a Chromium binary`);
  }
  return path;
}

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/**
 * A headless browser context with its own profile folder; `close()` ends Chromium and removes the folder.
 *
 * @example
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 * await page.goto(`${url}/ui/`);
 * await browser.close();
 */
export async function launchChromium(viewport = { width: 1360, height: 900 }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'eddy-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: FLAGS, viewport, timeout: 60_000 });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
