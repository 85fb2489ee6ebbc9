import * as z from 'zod';
import { LocalBroker } from '../../deploy/local/local-broker.js';
import type { Command } from './command.js';
import { CliError, parseCommand } from './flags.js';

const usage = `Usage: eddy kafka <start|stop|status> [--port N] [--fresh]

Runs the project's own single-node Apache Kafka broker (KRaft, 127.0.0.1), from Maven Central jars
fetched on first start into $EDDY_HOME/kafka (default ~/.eddy/kafka). Needs Java 17+ and Maven.

  start     start the broker (or reuse the running one) and print its bootstrap address
  stop      stop it cleanly (SIGTERM to its pid) and wait until it has exited
  status    print pid, bootstrap address, version and log file; exit 3 when stopped

Options:
  --port N    broker port (default 9092; the controller uses N+1)
  --fresh     (start) delete the broker's data folder first
`;

const Options = z.strictObject({
  port: z.coerce.number().int().min(1024).max(65534).default(9092),
  fresh: z.boolean().default(false),
});

export const kafkaCommand: Command = {
  name: 'kafka',
  summary: 'start, stop or inspect the local Apache Kafka broker',
  usage,
  async run(argv) {
    const [action, ...rest] = argv;
    if (action === undefined || action === '--help' || action === '-h') {
      process.stdout.write(usage);
      return action === undefined ? 2 : 0;
    }
    const { options, help } = parseCommand(rest, { port: { type: 'string' }, fresh: { type: 'boolean' } }, Options);
    if (help) {
      process.stdout.write(usage);
      return 0;
    }
    const broker = new LocalBroker();
    switch (action) {
      case 'start': {
        const info = await broker.start({ port: options.port, fresh: options.fresh });
        if (info.reused) console.error(`Apache Kafka ${info.version} is already running at ${info.bootstrap} (pid ${info.pid}); log: ${info.logFile}`);
        console.log(info.bootstrap);
        return 0;
      }
      case 'stop': {
        const stopped = await broker.stop();
        console.log(stopped ? 'broker stopped' : 'no local broker was running');
        return 0;
      }
      case 'status': {
        const info = broker.status();
        if (!info) {
          console.log(`stopped (log: ${broker.paths.log})`);
          return 3;
        }
        console.log(
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
      default:
        throw new CliError(`unknown action '${action}' (expected start, stop or status)`);
    }
  },
};
