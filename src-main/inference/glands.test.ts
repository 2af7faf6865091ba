import { describe, expect, it } from 'vitest';
import { signedArea, type DenseOutputs, type Ring } from '../semimoe/instances';
import { polygonProblem } from './polygon-validity';
import { glandsFromDense } from './predict-region';

/**
 * Three elliptical glands in a row, each pressed against the next (no background between
 * them), the middle one with a lumen the model calls background. The dense maps are what a
 * good model gives: fg high inside (with deterministic noise), SDF = distance to the gland's
 * own edge (the contact line included) over its maximum, boundary high along the contacts.
 */
function touchingGlands(w: number, h: number): { dense: DenseOutputs & { gateEntropy: Float32Array }; truth: Int32Array; lumen: Uint8Array } {
  const n = w * h;
  const centres = [
    [w * 0.25, h * 0.5],
    [w * 0.5, h * 0.5],
    [w * 0.75, h * 0.5],
  ];
  const a = w * 0.14; // semi-axes: 2a = 0.28 w > centre spacing 0.25 w, so neighbours overlap
  const b = h * 0.38;
  const truth = new Int32Array(n);
  const lumen = new Uint8Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = 0;
      let bestD = Infinity;
      centres.forEach(([cx, cy], k) => {
        const d = ((x + 0.5 - cx) / a) ** 2 + ((y + 0.5 - cy) / b) ** 2;
        if (d < 1 && d < bestD) {
          bestD = d;
          best = k + 1;
        }
      });
      truth[y * w + x] = best;
      const [lx, ly] = centres[1];
      if (best === 2 && ((x + 0.5 - lx) / (a * 0.35)) ** 2 + ((y + 0.5 - ly) / (b * 0.3)) ** 2 < 1) lumen[y * w + x] = 1;
    }
  }
  const fg = new Float32Array(n);
  const sdf = new Float32Array(n).fill(-1);
  const boundary = new Float32Array(n);
  const disagreement = new Float32Array(n);
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31 - 0.5;
  };
  for (let i = 0; i < n; i++) {
    const inside = truth[i] > 0 && !lumen[i];
    fg[i] = Math.min(1, Math.max(0, (inside ? 0.85 : 0.1) + 0.2 * noise()));
    disagreement[i] = inside ? 0.1 : 0.05;
  }
  // SDF: distance to the nearest pixel of another label (background, lumen or another gland).
  const maxD = new Float32Array(4);
  const dist = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const id = truth[i];
    if (id === 0 || lumen[i]) continue;
    const x = i % w;
    const y = (i - x) / w;
    let d = Infinity;
    for (let yy = Math.max(0, y - 30); yy < Math.min(h, y + 31); yy++) {
      for (let xx = Math.max(0, x - 30); xx < Math.min(w, x + 31); xx++) {
        const j = yy * w + xx;
        if (truth[j] !== id || lumen[j]) d = Math.min(d, Math.hypot(xx - x, yy - y));
      }
    }
    dist[i] = Math.min(d, 31);
    maxD[id] = Math.max(maxD[id], dist[i]);
  }
  for (let i = 0; i < n; i++) {
    const id = truth[i];
    if (id > 0 && !lumen[i]) sdf[i] = dist[i] / maxD[id];
    // The contact between two glands: the boundary head's ring drawn per instance.
    const x = i % w;
    if (id > 0 && x + 1 < w && truth[i + 1] > 0 && truth[i + 1] !== id) {
      boundary[i] = 0.9;
      boundary[i + 1] = 0.9;
    }
  }
  return { dense: { width: w, height: h, fg, sdf, boundary, disagreement, gateEntropy: new Float32Array(n).fill(0.5) }, truth, lumen };
}

function iou(a: (i: number) => boolean, b: (i: number) => boolean, n: number): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < n; i++) {
    const p = a(i);
    const q = b(i);
    if (p && q) inter++;
    if (p || q) union++;
  }
  return inter / union;
}

/** Even-odd fill of a polygon set at pixel centres (model pixels, from level-0 rings). */
function rasterise(polygons: Ring[][], w: number, h: number, toModel: (p: [number, number]) => [number, number]): Uint8Array {
  const out = new Uint8Array(w * h);
  const rings = polygons.flat().map((r) => r.map((p) => toModel(p as [number, number])));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let inside = false;
      for (const ring of rings) {
        for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          const [xi, yi] = ring[i];
          const [xj, yj] = ring[j];
          if (yi > y + 0.5 !== yj > y + 0.5 && x + 0.5 < ((xj - xi) * (y + 0.5 - yi)) / (yj - yi) + xi) inside = !inside;
        }
      }
      out[y * w + x] = inside ? 1 : 0;
    }
  }
  return out;
}

describe('gland instances from dense outputs', () => {
  const W = 160;
  const H = 70;
  const origin: [number, number] = [1000, 2000];
  const scale: [number, number] = [2.48, 2.48];
  const toModel = ([x, y]: [number, number]): [number, number] => [(x - origin[0]) / scale[0], (y - origin[1]) / scale[1]];

  it('separates three touching glands: count, IoU with the truth, a lumen as a hole, valid polygons', () => {
    const { dense, truth, lumen } = touchingGlands(W, H);
    const glands = glandsFromDense(dense, { threshold: 0.5, minArea: 30, tolerance: 1, origin, scale });
    expect(glands).toHaveLength(3);
    const byX = [...glands].sort((p, q) => p.centroid[0] - q.centroid[0]);
    byX.forEach((g, k) => {
      expect(g.polygons).toHaveLength(1);
      for (const poly of g.polygons) expect(polygonProblem(poly)).toBeNull();
      // Outer rings run with positive shoelace area, holes negative (as the GeoJSON export).
      expect(signedArea(g.polygons[0][0])).toBeGreaterThan(0);
      const drawn = rasterise(g.polygons, W, H, toModel);
      const score = iou(
        (i) => drawn[i] === 1,
        (i) => truth[i] === k + 1 && !lumen[i],
        W * H,
      );
      expect(score).toBeGreaterThan(0.85);
      expect(g.confidence).toBeGreaterThan(0.75);
      expect(g.uncertainty).toBeGreaterThan(0);
      expect(g.uncertainty).toBeLessThan(1);
      expect(g.parts.gateEntropy).toBeCloseTo(0.5, 5);
      const [minX, minY, maxX, maxY] = g.bbox;
      expect(minX).toBeGreaterThanOrEqual(origin[0]);
      expect(minY).toBeGreaterThanOrEqual(origin[1]);
      expect(maxX).toBeLessThanOrEqual(origin[0] + W * scale[0]);
      expect(maxY).toBeLessThanOrEqual(origin[1] + H * scale[1]);
    });
    // The middle gland's lumen is a hole.
    expect(byX[1].polygons[0]).toHaveLength(2);
    expect(signedArea(byX[1].polygons[0][1])).toBeLessThan(0);
    expect(byX[0].polygons[0]).toHaveLength(1);
  });

  it('without the SDF and boundary, the same glands merge: the separation comes from them', () => {
    const { dense } = touchingGlands(W, H);
    const flat = { ...dense, sdf: new Float32Array(W * H), boundary: new Float32Array(W * H) };
    expect(glandsFromDense(flat, { threshold: 0.5, minArea: 30, tolerance: 1, origin, scale })).toHaveLength(1);
  });

  it('keeps only glands whose centroid is in the given rectangle', () => {
    const { dense } = touchingGlands(W, H);
    // The left 40% holds the first gland's centroid (at 0.25 W), not the middle one's (0.5 W).
    const keep = { x: origin[0], y: origin[1], width: W * 0.4 * scale[0], height: H * scale[1] };
    const glands = glandsFromDense(dense, { threshold: 0.5, minArea: 30, tolerance: 1, origin, scale, keep });
    expect(glands).toHaveLength(1);
    expect(glands[0].centroid[0]).toBeLessThan(keep.x + keep.width);
  });
});
