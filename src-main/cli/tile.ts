/**
 * `semimoe tile SLIDE --x X --y Y --width W --height H [--level L] -o OUT.png`: writes a region
 * with OpenSlide read_region semantics (x, y in level-0 pixels; W x H pixels at level L; outside
 * the slide is transparent) as an RGBA PNG, and prints a JSON summary on stdout.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { openSlide } from '../slides/registry';
import { reportError } from './info';

const HELP = `Usage: semimoe tile SLIDE --x X --y Y --width W --height H [--level L] -o OUT.png

Writes one region of a slide to an RGBA PNG (OpenSlide read_region semantics):
  --x, --y            top-left corner in level-0 pixels (may be negative)
  --width, --height   region size in pixels at the chosen level
  --level L           pyramid level (default 0; see "semimoe info")
  -o, --output FILE   PNG to write
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeNumbers(argv),
      allowPositionals: true,
      options: {
        x: { type: 'string' },
        y: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        level: { type: 'string', default: '0' },
        output: { type: 'string', short: 'o' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1) return usageError('give exactly one slide file');
  if (!values.output) return usageError('-o OUT.png is required');
  const numbers: Record<string, number> = {};
  for (const name of ['x', 'y', 'width', 'height', 'level'] as const) {
    const raw = values[name];
    if (raw === undefined) return usageError(`--${name} is required`);
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return usageError(`--${name} must be a whole number (got "${raw}")`);
    numbers[name] = value;
  }
  if (numbers.width < 1 || numbers.height < 1 || numbers.level < 0) return usageError('--width and --height must be at least 1, --level at least 0');
  try {
    const source = await openSlide(resolve(positionals[0]));
    try {
      const region = await source.readRegion(numbers.x, numbers.y, numbers.level, numbers.width, numbers.height);
      const output = resolve(values.output);
      await sharp(region.data, { raw: { width: region.width, height: region.height, channels: 4 } }).png().toFile(output);
      process.stdout.write(`${JSON.stringify({ output, x: numbers.x, y: numbers.y, level: numbers.level, width: region.width, height: region.height })}\n`);
      return 0;
    } finally {
      await source.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

/** "--x -100" -> "--x=-100": parseArgs otherwise reads -100 as an option, and regions may start left of the slide. */
function joinNegativeNumbers(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (/^--(x|y)$/.test(argv[i]) && /^-\d+$/.test(argv[i + 1] ?? '')) {
      out.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}

function usageError(message: string): number {
  process.stderr.write(`semimoe tile: ${message}\n\n${HELP}`);
  return 2;
}
