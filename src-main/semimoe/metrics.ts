/**
 * Segmentation metrics: pixel Dice / IoU and the GlaS object-level metrics of
 * Sirinukunwattana et al., "Gland segmentation in colon histology images: The GlaS challenge
 * contest", Medical Image Analysis 35 (2017) 489-502.
 *
 * Everything works on instance label maps (0 = background, 1..n = objects, ids need not be
 * contiguous). A binary mask is the label map's `> 0`. No tensors: metrics run on plain arrays so
 * eval never depends on a tfjs backend.
 *
 * Rules used, exactly:
 * - Object F1: a segmented object S and a ground-truth object G match when IoU(S, G) > 0.5.
 *   IoU > 0.5 makes the match one-to-one (two objects that each overlap G by more than half of
 *   their union would have to share more than G's area), so no assignment problem arises.
 *   TP = matched segmented objects, FP = unmatched segmented objects, FN = unmatched GT objects,
 *   F1 = 2TP / (2TP + FP + FN). (The challenge's text says "overlaps at least 50% of its GT
 *   object"; the issue asks for the stricter IoU rule, which is what most re-implementations use.)
 * - Object Dice: 1/2 [ sum_i g_i Dice(G_i, S*(G_i)) + sum_j s_j Dice(G*(S_j), S_j) ] with
 *   g_i = |G_i| / sum|G|, s_j = |S_j| / sum|S|, and S*(G_i) the segmented object with the largest
 *   overlap with G_i (Dice 0 when nothing overlaps); G*(S_j) likewise.
 * - Object Hausdorff: the same area-weighted form with the symmetric Hausdorff distance; when no
 *   object of the other side overlaps, the GlaS convention uses the nearest object of the other
 *   side by Hausdorff distance.
 * - Degenerate images: both empty -> Dice 1, IoU 1, F1 1, Hausdorff 0. One side empty ->
 *   Dice 0, IoU 0, F1 0, and Hausdorff = the image diagonal (the largest possible distance), so
 *   means stay finite and a missed image is penalised maximally.
 */

/** Instance label map, row-major. */
export interface LabelMap {
  width: number;
  height: number;
  labels: Int32Array;
}

export interface ImageMetrics {
  pixelDice: number;
  pixelIoU: number;
  objectF1: number;
  objectDice: number;
  objectHausdorff: number;
  tp: number;
  fp: number;
  fn: number;
  predObjects: number;
  truthObjects: number;
}

export interface MeanMetrics {
  images: number;
  pixelDice: number;
  pixelIoU: number;
  objectF1: number;
  objectDice: number;
  objectHausdorff: number;
  /** F1 from TP/FP/FN summed over all images (the challenge's way of pooling detections). */
  pooledObjectF1: number;
}

/** Pixel Dice and IoU of two binary masks (any non-zero value is foreground). */
export function pixelDiceIoU(pred: ArrayLike<number>, truth: ArrayLike<number>): { dice: number; iou: number } {
  if (pred.length !== truth.length) throw new Error(`mask sizes differ: ${pred.length} vs ${truth.length}`);
  let inter = 0;
  let p = 0;
  let t = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = pred[i] !== 0;
    const b = truth[i] !== 0;
    if (a) p++;
    if (b) t++;
    if (a && b) inter++;
  }
  if (p + t === 0) return { dice: 1, iou: 1 };
  return { dice: (2 * inter) / (p + t), iou: inter / (p + t - inter) };
}

/** One object of a label map: its pixel indices and bounding box. */
interface Obj {
  id: number;
  pixels: number[];
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function objectsOf(map: LabelMap): Map<number, Obj> {
  const objs = new Map<number, Obj>();
  const { width, labels } = map;
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i];
    if (id === 0) continue;
    const x = i % width;
    const y = (i - x) / width;
    let o = objs.get(id);
    if (!o) {
      o = { id, pixels: [], x0: x, y0: y, x1: x, y1: y };
      objs.set(id, o);
    }
    o.pixels.push(i);
    if (x < o.x0) o.x0 = x;
    if (x > o.x1) o.x1 = x;
    if (y < o.y0) o.y0 = y;
    if (y > o.y1) o.y1 = y;
  }
  return objs;
}

/** overlap.get(a).get(b) = number of pixels where pred id a meets truth id b. */
function overlaps(pred: LabelMap, truth: LabelMap): Map<number, Map<number, number>> {
  const table = new Map<number, Map<number, number>>();
  for (let i = 0; i < pred.labels.length; i++) {
    const a = pred.labels[i];
    const b = truth.labels[i];
    if (a === 0 || b === 0) continue;
    let row = table.get(a);
    if (!row) table.set(a, (row = new Map()));
    row.set(b, (row.get(b) ?? 0) + 1);
  }
  return table;
}

/**
 * Exact squared Euclidean distance transform (Felzenszwalb & Huttenlocher 2012): for every
 * pixel of a w x h grid, squared distance to the nearest pixel where `inside` is true.
 */
export function squaredDistanceTransform(inside: Uint8Array, w: number, h: number): Float64Array {
  const INF = 1e20;
  const d = new Float64Array(w * h);
  for (let i = 0; i < d.length; i++) d[i] = inside[i] ? 0 : INF;
  const n = Math.max(w, h);
  const f = new Float64Array(n);
  const out = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const pass = (len: number) => {
    // Lower envelope of parabolas rooted at (q, f[q]).
    let k = 0;
    v[0] = 0;
    z[0] = -Infinity;
    z[1] = Infinity;
    for (let q = 1; q < len; q++) {
      let s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      // z[0] = -Infinity stops the loop, so k never goes below 0.
      while (s <= z[k]) {
        k--;
        s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = Infinity;
    }
    k = 0;
    for (let q = 0; q < len; q++) {
      while (z[k + 1] < q) k++;
      const r = v[k];
      out[q] = (q - r) * (q - r) + f[r];
    }
  };
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) f[y] = d[y * w + x];
    pass(h);
    for (let y = 0; y < h; y++) d[y * w + x] = out[y];
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) f[x] = d[y * w + x];
    pass(w);
    for (let x = 0; x < w; x++) d[y * w + x] = out[x];
  }
  return d;
}

/**
 * Symmetric Hausdorff distance between two pixel sets of a `width`-wide image. The distance
 * transforms are computed on the pair's joint bounding box only: every nearest point lies in
 * one of the two sets, hence inside that box, so the crop is exact.
 */
function hausdorff(a: Obj, b: Obj, width: number): number {
  const x0 = Math.min(a.x0, b.x0);
  const y0 = Math.min(a.y0, b.y0);
  const w = Math.max(a.x1, b.x1) - x0 + 1;
  const h = Math.max(a.y1, b.y1) - y0 + 1;
  const local = (i: number) => (Math.floor(i / width) - y0) * w + ((i % width) - x0);
  const directed = (from: Obj, to: Obj) => {
    const inside = new Uint8Array(w * h);
    for (const i of to.pixels) inside[local(i)] = 1;
    const dt = squaredDistanceTransform(inside, w, h);
    let worst = 0;
    for (const i of from.pixels) worst = Math.max(worst, dt[local(i)]);
    return Math.sqrt(worst);
  };
  return Math.max(directed(a, b), directed(b, a));
}

/** Metrics of one predicted instance map against one ground-truth instance map. */
export function evaluateInstances(pred: LabelMap, truth: LabelMap): ImageMetrics {
  if (pred.width !== truth.width || pred.height !== truth.height) {
    throw new Error(`size mismatch: prediction ${pred.width}x${pred.height}, truth ${truth.width}x${truth.height}`);
  }
  const { dice: pixelDice, iou: pixelIoU } = pixelDiceIoU(pred.labels, truth.labels);
  const P = objectsOf(pred);
  const G = objectsOf(truth);
  const base = { pixelDice, pixelIoU, predObjects: P.size, truthObjects: G.size };
  const diagonal = Math.hypot(pred.width, pred.height);
  if (P.size === 0 && G.size === 0) {
    return { ...base, objectF1: 1, objectDice: 1, objectHausdorff: 0, tp: 0, fp: 0, fn: 0 };
  }
  if (P.size === 0 || G.size === 0) {
    return { ...base, objectF1: 0, objectDice: 0, objectHausdorff: diagonal, tp: 0, fp: P.size, fn: G.size };
  }

  const predToTruth = overlaps(pred, truth);
  const truthToPred = new Map<number, Map<number, number>>();
  for (const [p, row] of predToTruth) {
    for (const [g, n] of row) {
      let r = truthToPred.get(g);
      if (!r) truthToPred.set(g, (r = new Map()));
      r.set(p, n);
    }
  }

  // Detection: IoU > 0.5 (one-to-one, see header).
  let tp = 0;
  for (const [pId, row] of predToTruth) {
    const p = P.get(pId)!;
    for (const [gId, inter] of row) {
      const g = G.get(gId)!;
      if (inter / (p.pixels.length + g.pixels.length - inter) > 0.5) {
        tp++;
        break;
      }
    }
  }
  const fp = P.size - tp;
  const fn = G.size - tp;
  const objectF1 = (2 * tp) / (2 * tp + fp + fn);

  const bestOverlap = (row: Map<number, number> | undefined): [number, number] | null => {
    if (!row) return null;
    let best: [number, number] | null = null;
    for (const [id, n] of row) if (!best || n > best[1] || (n === best[1] && id < best[0])) best = [id, n];
    return best;
  };

  // Hausdorff distances are cached per pair because both directions reuse them.
  const hdCache = new Map<string, number>();
  const hd = (p: Obj, g: Obj) => {
    const key = `${p.id}:${g.id}`;
    let v = hdCache.get(key);
    if (v === undefined) hdCache.set(key, (v = hausdorff(p, g, pred.width)));
    return v;
  };

  // One side of the area-weighted sums: for every object of `from`, its partner in `to`.
  const side = (
    from: Map<number, Obj>,
    to: Map<number, Obj>,
    table: Map<number, Map<number, number>>,
    dist: (f: Obj, t: Obj) => number,
  ) => {
    let area = 0;
    for (const o of from.values()) area += o.pixels.length;
    let dice = 0;
    let haus = 0;
    for (const o of from.values()) {
      const weight = o.pixels.length / area;
      const best = bestOverlap(table.get(o.id));
      if (best) {
        const partner = to.get(best[0])!;
        dice += (weight * 2 * best[1]) / (o.pixels.length + partner.pixels.length);
        haus += weight * dist(o, partner);
      } else {
        // No overlap: Dice 0; Hausdorff to the nearest object of the other side.
        let nearest = Infinity;
        for (const t of to.values()) nearest = Math.min(nearest, dist(o, t));
        haus += weight * nearest;
      }
    }
    return { dice, haus };
  };
  const predSide = side(P, G, predToTruth, (p, g) => hd(p, g));
  const truthSide = side(G, P, truthToPred, (g, p) => hd(p, g));
  return {
    ...base,
    objectF1,
    objectDice: (predSide.dice + truthSide.dice) / 2,
    objectHausdorff: (predSide.haus + truthSide.haus) / 2,
    tp,
    fp,
    fn,
  };
}

/** Mean of per-image metrics, plus F1 pooled over all detections. */
export function meanMetrics(perImage: readonly ImageMetrics[]): MeanMetrics {
  const n = perImage.length;
  const avg = (k: keyof ImageMetrics) => (n === 0 ? NaN : perImage.reduce((s, m) => s + m[k], 0) / n);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const m of perImage) {
    tp += m.tp;
    fp += m.fp;
    fn += m.fn;
  }
  return {
    images: n,
    pixelDice: avg('pixelDice'),
    pixelIoU: avg('pixelIoU'),
    objectF1: avg('objectF1'),
    objectDice: avg('objectDice'),
    objectHausdorff: avg('objectHausdorff'),
    pooledObjectF1: tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn),
  };
}
