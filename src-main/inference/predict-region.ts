/**
 * Prediction on a slide region: read it at the model's resolution with some context around it,
 * run the sliding window, separate gland instances, trace them as polygons in level-0
 * coordinates, and give each a confidence and an uncertainty (uncertainty.ts).
 *
 * Context: the region is read with a margin (half a window, clipped to the slide) so glands on
 * its edge are seen whole; a gland is kept when its centroid lies inside the region, so two
 * adjacent regions never both keep, or both drop, the same gland. Kept glands may extend past
 * the region. The probability and uncertainty maps are cropped back to the region.
 */
import { extractInstances, signedArea, traceInstance, type DenseOutputs, type Instances, type Ring } from '../semimoe/instances';
import { inferenceTile, minGlandArea, type Predictor } from '../semimoe/predict';
import type { SlideSource } from '../slides/types';
import { polygonProblem } from './polygon-validity';
import { clipToSlide, readRegionAtMpp, type Rect } from './region';
import { binaryEntropy, combineUncertainty, uncertaintyMap } from './uncertainty';
import { CancelledError, predictWindows, type WindowProgress } from './windows';

/** [x, y] in level-0 pixels. */
export type Point = [number, number];
/** GeoJSON Polygon coordinates: outer ring first, then holes (lumens); closed rings. */
export type PolygonRings = Point[][];

export interface PredictedGland {
  /** One polygon, or several when pixels of one instance touch only diagonally. */
  polygons: PolygonRings[];
  /** [minX, minY, maxX, maxY], level-0 pixels. */
  bbox: [number, number, number, number];
  centroid: Point;
  /** Area in level-0 pixels. */
  area: number;
  /** Mean fused gland probability over the gland, 0..1. */
  confidence: number;
  /** Combined uncertainty, 0..1 (uncertainty.ts), and its parts. */
  uncertainty: number;
  parts: { disagreement: number; entropy: number; gateEntropy: number | null };
}

export interface RegionPredictionStats {
  glandCount: number;
  windows: number;
  /** Mean of the uncertainty map over the region. */
  meanUncertainty: number;
  /** Fraction of region pixels above the threshold. */
  glandFraction: number;
  threshold: number;
  backend: string;
  seconds: { read: number; predict: number; instances: number };
  /** Set when the slide has no resolution and the model's was assumed. */
  mppAssumed: boolean;
  slideLevel: number;
}

export interface RegionPrediction {
  /** The region predicted (the request clipped to the slide), level-0 pixels. */
  region: Rect;
  glands: PredictedGland[];
  /** Maps at model resolution, row-major, covering `mapBounds`. */
  probability: Float32Array;
  uncertainty: Float32Array;
  width: number;
  height: number;
  /** The level-0 rectangle the maps cover (the region, up to rounding to model pixels). */
  mapBounds: Rect;
  /** Model resolution of the maps, micrometres per pixel. */
  mpp: number;
  stats: RegionPredictionStats;
}

export interface PredictRegionOptions {
  /** Fused-mask threshold; default the predictor's (chosen on validation). */
  threshold?: number;
  /** Douglas-Peucker tolerance in model pixels (default 1). */
  tolerance?: number;
  /** Context read around the region, in model pixels (default half a window). */
  margin?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: WindowProgress & { stage: 'read' | 'predict' | 'instances' }) => void;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export async function predictRegion(predictor: Predictor, source: SlideSource, request: Rect, opts: PredictRegionOptions = {}): Promise<RegionPrediction> {
  const meta = source.metadata;
  const region = clipToSlide(request, meta.width, meta.height);
  const mpp = predictor.config.mpp;
  const tile = inferenceTile(predictor.config);
  const marginModel = opts.margin ?? Math.round(tile / 2);
  const slideMpp = meta.mpp ?? [mpp, mpp];
  const mx = Math.ceil((marginModel * mpp) / slideMpp[0]);
  const my = Math.ceil((marginModel * mpp) / slideMpp[1]);

  const t0 = performance.now();
  opts.onProgress?.({ stage: 'read', done: 0, total: 1 });
  const image = await readRegionAtMpp(source, { x: region.x - mx, y: region.y - my, width: region.width + 2 * mx, height: region.height + 2 * my }, mpp);
  const t1 = performance.now();

  const forward = predictor.forwardWithGates ?? predictor.forward;
  const dense = await predictWindows(image.rgb, image.width, image.height, predictor.config, forward, {
    tile,
    overlap: Math.round(tile / 4),
    batchSize: opts.batchSize ?? 2,
    signal: opts.signal,
    onProgress: (p) => opts.onProgress?.({ stage: 'predict', ...p }),
  });
  const t2 = performance.now();
  // A cancel that arrived during the last batch: do not spend the instance step on it.
  if (opts.signal?.aborted) throw new CancelledError();
  opts.onProgress?.({ stage: 'instances', done: 0, total: 1 });

  const threshold = opts.threshold ?? predictor.threshold;
  const [sx, sy] = image.scale;
  const glands = glandsFromDense(dense, {
    threshold,
    minArea: minGlandArea(mpp),
    tolerance: opts.tolerance ?? 1,
    origin: [image.bounds.x, image.bounds.y],
    scale: image.scale,
    keep: region,
  });

  // Maps cropped from the context back to the region, in whole model pixels.
  const cx0 = Math.max(0, Math.round((region.x - image.bounds.x) / sx));
  const cy0 = Math.max(0, Math.round((region.y - image.bounds.y) / sy));
  const cw = Math.max(1, Math.min(image.width - cx0, Math.round(region.width / sx)));
  const ch = Math.max(1, Math.min(image.height - cy0, Math.round(region.height / sy)));
  const fullUncertainty = uncertaintyMap(dense.fg, dense.disagreement, dense.gateEntropy);
  const probability = crop(dense.fg, image.width, cx0, cy0, cw, ch);
  const uncertainty = crop(fullUncertainty, image.width, cx0, cy0, cw, ch);
  let above = 0;
  let uSum = 0;
  for (let i = 0; i < probability.length; i++) {
    if (probability[i] > threshold) above++;
    uSum += uncertainty[i];
  }
  const t3 = performance.now();
  return {
    region,
    glands,
    probability,
    uncertainty,
    width: cw,
    height: ch,
    mapBounds: { x: image.bounds.x + cx0 * sx, y: image.bounds.y + cy0 * sy, width: cw * sx, height: ch * sy },
    mpp,
    stats: {
      glandCount: glands.length,
      windows: dense.windows,
      meanUncertainty: round3(uSum / probability.length),
      glandFraction: round3(above / probability.length),
      threshold,
      backend: predictor.backend,
      seconds: { read: round3((t1 - t0) / 1000), predict: round3((t2 - t1) / 1000), instances: round3((t3 - t2) / 1000) },
      mppAssumed: image.mppAssumed,
      slideLevel: image.level,
    },
  };
}

export interface GlandOptions {
  threshold: number;
  /** Smallest instance kept, in model pixels. */
  minArea: number;
  /** Douglas-Peucker tolerance in model pixels. */
  tolerance: number;
  /** Level-0 position of model pixel (0, 0), and level-0 pixels per model pixel. */
  origin: [number, number];
  scale: [number, number];
  /** Only glands whose centroid lies in this level-0 rectangle are kept (default: all). */
  keep?: Rect;
}

/**
 * Gland instances of dense outputs (SDF and boundary separate touching glands, see
 * semimoe/instances.ts), as valid level-0 polygons with confidence and uncertainty.
 */
export function glandsFromDense(dense: DenseOutputs & { gateEntropy: Float32Array | null }, o: GlandOptions): PredictedGland[] {
  const instances = extractInstances(dense, { threshold: o.threshold, minArea: o.minArea });
  const [sx, sy] = o.scale;
  const toLevel0 = (x: number, y: number): Point => [round3(o.origin[0] + x * sx), round3(o.origin[1] + y * sy)];
  const stats = instanceStats(instances, dense.fg, dense.disagreement, dense.gateEntropy);
  const glands: PredictedGland[] = [];
  const k = o.keep;
  for (let id = 1; id <= instances.count; id++) {
    const s = stats[id];
    // Centroid of the pixel centres.
    const centroid = toLevel0(s.sumX / s.area + 0.5, s.sumY / s.area + 0.5);
    if (k && (centroid[0] < k.x || centroid[0] >= k.x + k.width || centroid[1] < k.y || centroid[1] >= k.y + k.height)) continue;
    const polygons = traceValid(instances, id, o.tolerance).map((poly) => poly.map((ring) => ring.map(([x, y]) => toLevel0(x, y))));
    const xs = polygons.flatMap((p) => p[0].map((q) => q[0]));
    const ys = polygons.flatMap((p) => p[0].map((q) => q[1]));
    const disagreement = s.disagreement / s.area;
    const entropy = s.entropy / s.area;
    const gate = dense.gateEntropy ? s.gate / s.area : null;
    glands.push({
      polygons,
      bbox: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
      centroid,
      area: round3(s.area * sx * sy),
      confidence: round3(s.fg / s.area),
      uncertainty: round3(combineUncertainty(disagreement, entropy, gate)),
      parts: { disagreement: round3(disagreement), entropy: round3(entropy), gateEntropy: gate === null ? null : round3(gate) },
    });
  }
  return glands;
}

interface InstanceSums {
  area: number;
  sumX: number;
  sumY: number;
  fg: number;
  disagreement: number;
  entropy: number;
  gate: number;
}

function instanceStats(inst: Instances, fg: Float32Array, disagreement: Float32Array, gate: Float32Array | null): InstanceSums[] {
  const sums: InstanceSums[] = Array.from({ length: inst.count + 1 }, () => ({ area: 0, sumX: 0, sumY: 0, fg: 0, disagreement: 0, entropy: 0, gate: 0 }));
  for (let i = 0; i < inst.labels.length; i++) {
    const id = inst.labels[i];
    if (id === 0) continue;
    const s = sums[id];
    s.area++;
    s.sumX += i % inst.width;
    s.sumY += Math.floor(i / inst.width);
    s.fg += fg[i];
    s.disagreement += disagreement[i];
    s.entropy += binaryEntropy(fg[i]);
    if (gate) s.gate += gate[i];
  }
  return sums;
}

/**
 * Outline of one instance, simplified where that keeps it valid. Douglas-Peucker can make a
 * ring cross itself or its hole on thin or concave shapes; such a polygon falls back to the
 * exact pixel outline, which is valid by construction (traceInstance keeps diagonal pixels apart).
 */
export function traceValid(inst: Instances, id: number, tolerance: number): Ring[][] {
  const simplified = traceInstance(inst, id, tolerance).polygons;
  if (tolerance <= 0 || simplified.every((p) => polygonProblem(p) === null && signedArea(p[0]) > 0)) return simplified;
  const exact = traceInstance(inst, id, 0).polygons;
  return simplified.map((p, k) => (polygonProblem(p) === null && signedArea(p[0]) > 0 ? p : exact[k]));
}

function crop(src: Float32Array, srcWidth: number, x0: number, y0: number, w: number, h: number): Float32Array {
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) out.set(src.subarray((y0 + y) * srcWidth + x0, (y0 + y) * srcWidth + x0 + w), y * w);
  return out;
}
