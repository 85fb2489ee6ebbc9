/**
 * Test helpers for a broker of a test's own, never the shared one: a free port pair, and an
 * EDDY_HOME of its own whose Kafka jars are the usual local broker's (linked, not fetched again).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { brokerPaths, portIsFree } from '../local-broker.js';

/** A port for a broker whose port + 1 (its controller) is free too. */
export async function freeBrokerPort(from = 19_300): Promise<number> {
  for (let port = from; port < from + 600; port += 2) if ((await portIsFree(port)) && (await portIsFree(port + 1))) return port;
  throw new Error(`no two free ports in ${from}..${from + 600}`);
}

/** A new EDDY_HOME: its broker gets its own data, log and pid file, and the jars of `~/.eddy/kafka`. */
export function freshEddyHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'eddy-fresh-home-'));
  const jars = brokerPaths().lib;
  mkdirSync(join(home, 'kafka'));
  symlinkSync(jars, join(home, 'kafka', basename(jars)));
  return home;
}

/**
 * A broker log's last warnings and errors (and every line about fencing, which stalls every client),
 * short enough for a failure message.
 *
 * @example
 * expect(ok, brokerLogDigest(brokerPaths(home).log)).toBe(true);
 */
export function brokerLogDigest(logFile: string, maxLines = 20): string {
  if (!existsSync(logFile)) return `${logFile}: missing`;
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const notable = lines.filter((l) => / (WARN|ERROR) /.test(l) || /fenc/i.test(l));
  return [`${logFile} (last ${Math.min(maxLines, notable.length)} of ${notable.length} warnings, errors and fencing lines):`, ...notable.slice(-maxLines).map((l) => l.slice(0, 300))].join('\n');
}
