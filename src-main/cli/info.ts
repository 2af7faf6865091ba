/**
 * `semimoe info SLIDE`: a slide's metadata as JSON on stdout. Errors go to stderr as
 * {"error":{"code","message"}} with exit code 1; usage errors exit 2.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openSlide } from '../slides/registry';
import { SlideError } from '../slides/errors';

const HELP = `Usage: semimoe info SLIDE [--properties]

Prints a slide's metadata as JSON: size, pyramid levels, microns per pixel, objective power,
vendor, associated images and the reader used.

  --properties   also print every raw property (OpenSlide-style names)
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { properties: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (parsed.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.positionals.length !== 1) return usageError('give exactly one slide file');
  try {
    const source = await openSlide(resolve(parsed.positionals[0]));
    try {
      const m = source.metadata;
      const info = {
        width: m.width,
        height: m.height,
        levels: m.levels.map(({ width, height, downsample }) => ({ width, height, downsample })),
        mpp: m.mpp,
        objectivePower: m.objectivePower,
        vendor: m.vendor,
        associatedImages: m.associatedImages,
        format: m.format,
        ...(parsed.values.properties ? { properties: m.properties } : {}),
      };
      process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
      return 0;
    } finally {
      await source.close();
    }
  } catch (error) {
    return reportError(error);
  }
}

/** {"error":{"code","message"}} on stderr; exit code 1. */
export function reportError(error: unknown): number {
  const code = error instanceof SlideError ? error.code : 'internal';
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  return 1;
}

function usageError(message: string): number {
  process.stderr.write(`semimoe info: ${message}\n\n${HELP}`);
  return 2;
}
