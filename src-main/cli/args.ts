/**
 * The option handling every `semimoe` command shares: parse, print the help on --help, and turn
 * a bad option into a usage error (message on stderr, exit code 2) instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error of `semimoe COMMAND`: the message on stderr; returns the exit code 2. */
export function usageError(command: string, message: string): number {
  process.stderr.write(`semimoe ${command}: ${message}\n`);
  return 2;
}

/**
 * Parses a command's options (which must declare `help`). Returns the values, or the exit code
 * to end with: 0 after printing the help, 2 after a bad option.
 */
export function parseCommand<const T extends ParseArgsConfig & { options: { help: { type: 'boolean' } } }>(
  command: string,
  help: string,
  config: T,
): ReturnType<typeof parseArgs<T>>['values'] | number {
  let values: ReturnType<typeof parseArgs<T>>['values'];
  try {
    ({ values } = parseArgs(config));
  } catch (e) {
    return usageError(command, (e as Error).message);
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(help);
    return 0;
  }
  return values;
}
