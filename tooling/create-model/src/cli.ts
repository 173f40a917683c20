#!/usr/bin/env node
import { runCreateModelCli } from './run-create-model-cli.js';

// `pio-create-model --help | head` closes the pipe early; that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});
process.exitCode = await runCreateModelCli(process.argv.slice(2));
