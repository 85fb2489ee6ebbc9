import * as z from 'zod';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import type { Command } from './command.js';
import { closest } from './did-you-mean.js';
import { CliError, parseCommand } from './flags.js';

const usage = `Usage: eddy kafka <start|stop|status> [--port N] [--fresh] [--json]

Runs the project's own single-node Apache Kafka broker (KRaft, 127.0.0.1), from Maven Central jars
fetched on first start into $EDDY_HOME/kafka (default ~/.eddy/kafka). Needs Java 17+ and Maven.

  start     start the broker (or reuse the running one) and print its bootstrap address
  stop      stop it cleanly (SIGTERM to its pid) and wait until it has exited
  status    print pid, bootstrap address, version and log file; exit 3 when stopped

Options:
  --port N    broker port (default 9092; the controller uses N+1)
  --fresh     (start) delete the broker's data folder first
  --json      print JSON: start and status {running, pid, port, bootstrap, version, logFile, dataDir,
              startedAt} (start adds reused; a stopped status is {running: false, logFile}); stop {stopped}
`;

const Options = z.strictObject({
  port: z.coerce.number().int().min(1024).max(65534).default(9092),
  fresh: z.boolean().default(false),
  json: z.boolean().default(false),
});

const flags = { port: { type: 'string' }, fresh: { type: 'boolean' }, json: { type: 'boolean' } } as const;

/** One JSON object, or the text lines, on stdout. */
const print = (json: boolean, data: object, text: string): void => console.log(json ? JSON.stringify(data, null, 2) : text);

export const kafkaCommand: Command = {
  name: 'kafka',
  summary: 'start, stop or inspect the local Apache Kafka broker',
  usage,
  flags,
  async run(argv) {
    const [action, ...rest] = argv;
    if (action === undefined || action === '--help' || action === '-h') {
      process.stdout.write(usage);
      return action === undefined ? 2 : 0;
    }
    const { options, help } = parseCommand(rest, flags, Options, { command: 'kafka' });
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const broker = new LocalBroker();
    switch (action) {
      case 'start': {
        const info = await broker.start({ port: options.port, fresh: options.fresh });
        if (info.reused) console.error(`Apache Kafka ${info.version} is already running at ${info.bootstrap} (pid ${info.pid}); log: ${info.logFile}`);
        print(options.json, { running: true, ...info }, info.bootstrap);
        return 0;
      }
      case 'stop': {
        const stopped = await broker.stop();
        print(options.json, { stopped }, stopped ? 'broker stopped' : 'no local broker was running');
        return 0;
      }
      case 'status': {
        const info = broker.status();
        if (!info) {
          print(options.json, { running: false, logFile: broker.paths.log }, `stopped (log: ${broker.paths.log})`);
          return 3;
        }
        print(
          options.json,
          { running: true, ...info },
          [
            `running`,
            `  bootstrap: ${info.bootstrap}`,
            `  pid:       ${info.pid}`,
            `  version:   Apache Kafka ${info.version}`,
            `  since:     ${info.startedAt}`,
            `  log:       ${info.logFile}`,
            `  data:      ${info.dataDir}`,
          ].join('\n'),
        );
        return 0;
      }
      default: {
        const guess = closest(action, ['start', 'stop', 'status']);
        throw new CliError(`unknown action '${action}'${guess ? `: did you mean '${guess}'?` : ''} (expected start, stop or status)`);
      }
    }
  },
};
