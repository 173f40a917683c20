export { listCommand, type ListOptions } from './commands/list.js';
export { type CliIo, processIo } from './io.js';
export { runCli } from './run-cli.js';
