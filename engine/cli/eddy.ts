#!/usr/bin/env node
/**
 * The `eddy` command line's entry point (package.json's bin); the commands are run by main.ts.
 */
import { main } from './main.js';

// Exit once the command has finished: a Kafka client that is still retrying (say, a view's consumer
// after a broker outage) must not keep a finished run alive. stdout and stderr are synchronous for
// files and pipes on Linux, so nothing written is lost.
process.exit(await main(process.argv.slice(2)));
