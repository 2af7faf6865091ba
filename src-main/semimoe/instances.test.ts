import { describe, expect, it } from 'vitest';
import { extractInstances, instancesToGeoJson, signedArea, traceInstance, type DenseOutputs, type Ring } from './instances';
import { evaluateInstances } from './metrics';

/** Two discs of radius r touching at one point, with an ideal SDF (distance to edge / r). */
function touchingDiscs(w: number, h: number, r: number): { out: DenseOutputs; truth: Int32Array } {
  const n = w * h;
  const out: DenseOutputs = {
    width: w,
    height: h,
    fg: new Float32Array(n),
    sdf: new Float32Array(n).fill(-1),
    boundary: new Float32Array(n),
    disagreement: new Float32Array(n).fill(0.1),
  };
  const truth = new Int32Array(n);
  const centres = [
    [w / 2 - r, h / 2],
    [w / 2 + r, h / 2],
  ];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      centres.forEach(([cx, cy], k) => {
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        if (d < r) {
          out.fg[i] = 0.9;
          out.sdf[i] = Math.max(out.sdf[i], (r - d) / r);
          truth[i] = k + 1;
        }
      });
    }
  }
  return { out, truth };
}

/** True when two segments properly cross (shared end points do not count). */
function segmentsCross(a: number[], b: number[], c: number[], d: number[]): boolean {
  const orient = (p: number[], q: number[], r: number[]) => Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0;
}

function selfIntersects(ring: Ring): boolean {
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      if (segmentsCross(ring[i], ring[i + 1], ring[j], ring[j + 1])) return true;
    }
  }
  return false;
}

describe('instances', () => {
  it('separates two touching discs with the SDF', () => {
    const { out, truth } = touchingDiscs(80, 50, 15);
    const inst = extractInstances(out, { threshold: 0.5, seedLevel: 0.2 });
    expect(inst.count).toBe(2);
    const m = evaluateInstances(inst, { width: 80, height: 50, labels: truth });
    expect(m.tp).toBe(2);
    expect(m.objectDice).toBeGreaterThan(0.8);
    // Each disc's own IoU with its truth.
    for (let id = 1; id <= 2; id++) {
      let inter = 0, a = 0, b = 0;
      const truthId = truth[inst.labels.findIndex((v) => v === id)];
      for (let i = 0; i < truth.length; i++) {
        const p = inst.labels[i] === id;
        const t = truth[i] === truthId;
        if (p) a++;
        if (t) b++;
        if (p && t) inter++;
      }
      expect(inter / (a + b - inter)).toBeGreaterThan(0.8);
    }
  });

  it('traces closed, simple rings, with a hole and diagonal neighbours kept apart', () => {
    const w = 12;
    const h = 10;
    const labels = new Int32Array(w * h);
    // A 6x6 square with a 2x2 hole, plus a pixel touching its corner diagonally.
    for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) labels[y * w + x] = 1;
    for (let y = 3; y < 5; y++) for (let x = 3; x < 5; x++) labels[y * w + x] = 0;
    labels[7 * w + 7] = 1;
    const traced = traceInstance({ width: w, height: h, labels, count: 1 }, 1, 0);
    expect(traced.area).toBe(36 - 4 + 1);
    expect(traced.polygons.length).toBe(2);
    const big = traced.polygons.find((p) => p.length === 2)!;
    expect(signedArea(big[0])).toBe(36);
    expect(signedArea(big[1])).toBe(-4);
    for (const poly of traced.polygons) {
      for (const ring of poly) {
        expect(ring[0]).toEqual(ring[ring.length - 1]);
        expect(selfIntersects(ring)).toBe(false);
      }
    }
  });

  it('GeoJSON of the discs: two QuPath annotations with valid simplified polygons', () => {
    const { out } = touchingDiscs(80, 50, 15);
    const inst = extractInstances(out, { seedLevel: 0.2 });
    const fc = instancesToGeoJson(inst, out, { scale: 2, offsetX: 100 });
    expect(fc.features).toHaveLength(2);
    for (const f of fc.features) {
      expect(f.properties.objectType).toBe('annotation');
      expect(f.properties.classification.name).toBe('Gland');
      expect(f.properties.confidence).toBeCloseTo(0.9);
      expect(f.geometry.type).toBe('Polygon');
      const ring = (f.geometry.coordinates as Ring[])[0];
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      expect(ring.length).toBeGreaterThan(8);
      expect(selfIntersects(ring)).toBe(false);
      expect(Math.min(...ring.map((p) => p[0]))).toBeGreaterThanOrEqual(100);
      // Area of a disc of radius 15 model px at scale 2, within the simplification error.
      expect(Math.abs(signedArea(ring) - Math.PI * 15 * 15 * 4) / (Math.PI * 15 * 15 * 4)).toBeLessThan(0.1);
    }
  });
});
