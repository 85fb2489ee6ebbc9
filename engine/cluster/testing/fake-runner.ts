/**
 * A stand-in for `eddy run` in unit tests of the job manager: the same process contract (its URL
 * sent over the IPC channel; exit 0 after SIGTERM, POST /v1/stop or a bounded run, with a JSON summary
 * on stdout whose `ended` says which; `eddy run: <reason>` and exit 2 on bad options) and the
 * runner's HTTP routes, without Kafka, so the lifecycle tests take milliseconds. Option `top` 14
 * makes it crash (exit 1) while stopping on SIGTERM.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = `
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
const args = process.argv.slice(2);
const config = JSON.parse(readFileSync(args[args.indexOf('--config') + 1], 'utf8'));
if (String(config.top) === '13') { console.error('eddy run: --top: unlucky'); process.exit(2); }
const send = (res, status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
const end = (ended) => { console.log(JSON.stringify({ records: 7, ended })); server.close(); process.exitCode = 0; };
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  let body = '';
  for await (const c of req) body += c;
  if (req.method === 'GET' && url.pathname === '/v1/status') return send(res, 200, { state: 'running', clientToken: process.env.EDDY_TOKEN ?? null, flagVariables: Object.keys(process.env).filter((k) => /^EDDY_(RUN_|BROKERS$)/.test(k)), logLevel: args.includes('--log-level') ? args[args.indexOf('--log-level') + 1] : null });
  if (req.method === 'GET' && url.pathname === '/v1/checkpoints') return send(res, 200, { checkpoints: [{ id: 1, outcome: 'completed' }] });
  if (req.method === 'GET' && url.pathname === '/v1/trending') {
    const c = url.searchParams.get('category');
    return c === 'all' ? send(res, 200, { category: 'all' }) : send(res, 404, { error: 'no trending record for category ' + c + ' yet' });
  }
  if (req.headers.authorization !== 'Bearer ' + process.env.EDDY_API_TOKEN) return send(res, 401, { error: 'missing or wrong bearer token' });
  const dir = JSON.parse(body || '{}');
  const savepoint = (path) => ({ path, tasks: 1, bytes: 10, createdAt: 1 });
  if (url.pathname === '/v1/savepoints') return send(res, 200, savepoint(dir.directory));
  if (url.pathname === '/v1/stop') {
    send(res, 202, { state: 'stopping', ...(dir.savepointDirectory ? { savepoint: savepoint(dir.savepointDirectory) } : {}) });
    return end('stopped');
  }
  send(res, 404, { error: 'no route' });
});
server.listen(0, '127.0.0.1', () => {
  const url = 'http://127.0.0.1:' + server.address().port;
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'serving ' + url + ' (metrics, status, trending)', url }));
  process.send?.({ type: 'serving', url });
  if (config.bounded) setTimeout(() => end('finished'), 50);
});
process.once('SIGTERM', () => {
  if (String(config.top) !== '14') return end('stopped');
  console.error('eddy run: Error: the final commit failed');
  process.exit(1);
});
`;

/** Writes the fake runner into a temporary folder; pass its path as the job manager's `eddyScript`. */
export function writeFakeRunner(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'eddy-fake-runner-')), 'eddy.mjs');
  writeFileSync(path, SCRIPT);
  return path;
}
