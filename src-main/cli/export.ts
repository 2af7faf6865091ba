/**
 * `semimoe export --project DIR --slide SLIDE -o OUT.geojson [--mask OUT.png ...]`: the slide's
 * glands as QuPath-readable GeoJSON and/or a label mask. JSON summary on stdout; errors on
 * stderr as {"error":{"code","message"}} with exit code 1; usage errors exit 2.
 */
import { writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Region } from '../api/contract';
import { openProjectSlide, reportCliError } from '../annotations/cli-support';
import { exportGeoJson } from '../annotations/geojson';
import { encodeMask, rasterize } from '../annotations/masks';

const HELP = `Usage: semimoe export --project DIR --slide SLIDE [-o OUT.geojson] [--mask OUT.png]
                      [--region X,Y,W,H] [--downsample D] [--instances]

Exports a slide's glands (rejected ones left out):
  --project DIR        the project folder
  --slide SLIDE        the slide file, or its id in the project
  -o, --output FILE    GeoJSON FeatureCollection that QuPath imports (level-0 pixels)
  --mask FILE          label mask, .png or .tif: 0 background, 255 gland
  --region X,Y,W,H     mask region in level-0 pixels (default: the whole slide)
  --downsample D       level-0 pixels per mask pixel (default 1; 4 makes a quarter-size mask)
  --instances          16-bit mask with one label per gland (1, 2, ...) instead of 0/255
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        project: { type: 'string' },
        slide: { type: 'string' },
        output: { type: 'string', short: 'o' },
        mask: { type: 'string' },
        region: { type: 'string' },
        downsample: { type: 'string', default: '1' },
        instances: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.project) return usageError('--project DIR is required');
  if (!values.slide) return usageError('--slide SLIDE is required');
  if (!values.output && !values.mask) return usageError('give -o OUT.geojson, --mask OUT.png, or both');
  const downsample = Number(values.downsample);
  if (!(downsample > 0) || !Number.isFinite(downsample)) return usageError(`--downsample must be a positive number (got "${values.downsample}")`);
  let region: Region | null = null;
  if (values.region !== undefined) {
    const parts = values.region.split(',').map(Number);
    if (parts.length !== 4 || parts.some((n) => !Number.isFinite(n)) || parts[2] <= 0 || parts[3] <= 0) {
      return usageError(`--region must be X,Y,W,H with a positive width and height (got "${values.region}")`);
    }
    region = { x: parts[0], y: parts[1], width: parts[2], height: parts[3] };
  }
  let maskFormat: 'png' | 'tiff' = 'png';
  if (values.mask) {
    const ext = extname(values.mask).toLowerCase();
    if (ext === '.tif' || ext === '.tiff') maskFormat = 'tiff';
    else if (ext !== '.png') return usageError(`--mask must end in .png, .tif or .tiff (got "${values.mask}")`);
  }

  try {
    const slide = await openProjectSlide(values.project, values.slide, { create: false });
    try {
      const summary: Record<string, unknown> = { slideId: slide.slideId };
      if (values.output) {
        const { geojson, count } = exportGeoJson(slide.annotations, slide.slideId);
        const output = resolve(values.output);
        writeFileSync(output, geojson);
        summary.geojson = { path: output, count };
      }
      if (values.mask) {
        const maskRegion = region ?? { x: 0, y: 0, width: slide.width, height: slide.height };
        const kind = values.instances ? 'instances' : 'binary';
        const glands = slide.annotations.glandsIn(slide.slideId, maskRegion).filter((g) => g.status !== 'rejected');
        const raster = rasterize(glands, maskRegion, downsample, kind);
        const output = resolve(values.mask);
        writeFileSync(output, await encodeMask(raster, maskFormat));
        summary.mask = {
          path: output,
          kind,
          region: maskRegion,
          downsample,
          width: raster.width,
          height: raster.height,
          glands: glands.length,
          // Which gland each instance label stands for.
          ...(kind === 'instances' ? { labels: glands.map((g, i) => ({ label: i + 1, id: g.id })) } : {}),
        };
      }
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return 0;
    } finally {
      await slide.close();
    }
  } catch (error) {
    return reportCliError(error);
  }
}

function usageError(message: string): number {
  process.stderr.write(`semimoe export: ${message}\n\n${HELP}`);
  return 2;
}
