/**
 * Serves the console's files: the page at `/ui/` and the compiled browser modules at `/ui/*.js`
 * (from dist/engine/console/web, which `npm run build` writes). Only plain module names are served,
 * so no path leaves that folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from '../http/json-api.js';
import { consolePage } from './console-page.js';

const here = dirname(fileURLToPath(import.meta.url));
// Built, this module sits next to web/; run from source (tests), the build's copy is used.
const WEB_DIRS = [join(here, 'web'), join(here, '..', '..', 'dist', 'engine', 'console', 'web')];
const MODULE = /^\/ui\/([a-z0-9-]+\.js(?:\.map)?)$/;

/**
 * Answers `/` (a redirect to the console), `/ui/` and `/ui/<module>.js`; false for any other path.
 *
 * @example
 * if (serveConsoleAsset(path, res)) return;
 */
export function serveConsoleAsset(path: string, res: ServerResponse): boolean {
  if (path === '/' || path === '/ui') {
    res.writeHead(302, { location: '/ui/' });
    res.end();
    return true;
  }
  if (path === '/ui/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    res.end(consolePage());
    return true;
  }
  const name = MODULE.exec(path)?.[1];
  if (name === undefined) return false;
  const dir = WEB_DIRS.find((d) => existsSync(join(d, 'main.js')));
  if (dir === undefined) throw new ApiError(404, "the console's browser modules are not built: run 'npm run build'");
  const file = join(dir, name);
  if (!existsSync(file)) throw new ApiError(404, `no console module ${name}`);
  res.writeHead(200, { 'content-type': name.endsWith('.map') ? 'application/json' : 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
  res.end(readFileSync(file));
  return true;
}
