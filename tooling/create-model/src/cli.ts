#!/usr/bin/env node
import { runCreateModelCli } from './run-create-model-cli.js';

process.exitCode = await runCreateModelCli(process.argv.slice(2));
