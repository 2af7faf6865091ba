#!/usr/bin/env node
// The `semimoe` command. Runs the TypeScript sources through tsx's loader, so the command
// works right after `npm install`, with no build step in between.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli.ts');
process.exitCode = await main(process.argv.slice(2));
