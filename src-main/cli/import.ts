/**
 * `semimoe import --project DIR --slide SLIDE IN.geojson`: imports QuPath GeoJSON as human,
 * accepted glands in one undoable step, all or nothing. JSON summary on stdout; errors on
 * stderr as {"error":{"code","message"}} with exit code 1; usage errors exit 2.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError } from '../api/errors';
import { openProjectSlide, reportCliError } from '../annotations/cli-support';
import { importGeoJson, parseGeoJson } from '../annotations/geojson';

const HELP = `Usage: semimoe import --project DIR --slide SLIDE IN.geojson

Imports glands from a GeoJSON file (QuPath's "Export objects": a FeatureCollection, a Feature
or a list of features; level-0 pixel coordinates). All or nothing: a malformed file is refused,
naming the first bad feature, and nothing is imported. Cells, tiles, points and lines are
skipped and listed. The import is one step in the slide's undo history.
  --project DIR   the project folder
  --slide SLIDE   the slide file, or its id in the project
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        project: { type: 'string' },
        slide: { type: 'string' },
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
  if (!values.project) return usageError('--project DIR is required');
  if (!values.slide) return usageError('--slide SLIDE is required');
  if (positionals.length !== 1) return usageError('give exactly one GeoJSON file');
  try {
    const input = resolve(positionals[0]);
    let text: string;
    try {
      text = readFileSync(input, 'utf8');
    } catch (error) {
      throw new ApiError('not-found', `Cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    // Check the file before touching the project, so a bad file never opens (or adds) a slide.
    parseGeoJson(text);
    const slide = await openProjectSlide(values.project, values.slide, { create: true });
    try {
      const result = importGeoJson(slide.annotations, slide.slideId, text);
      process.stdout.write(`${JSON.stringify({ slideId: slide.slideId, imported: result.imported, skipped: result.skipped }, null, 2)}\n`);
      return 0;
    } finally {
      await slide.close();
    }
  } catch (error) {
    return reportCliError(error);
  }
}

function usageError(message: string): number {
  process.stderr.write(`semimoe import: ${message}\n\n${HELP}`);
  return 2;
}
