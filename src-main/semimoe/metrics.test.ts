import { describe, expect, it } from 'vitest';
import { evaluateInstances, meanMetrics, pixelDiceIoU, squaredDistanceTransform, type LabelMap } from './metrics';

/** A w x h label map with the given rectangles [id, x, y, width, height]. */
function rects(w: number, h: number, boxes: [number, number, number, number, number][]): LabelMap {
  const labels = new Int32Array(w * h);
  for (const [id, x0, y0, bw, bh] of boxes) {
    for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) labels[y * w + x] = id;
  }
  return { width: w, height: h, labels };
}

describe('pixel metrics', () => {
  it('Dice and IoU of half-overlapping masks', () => {
    const { dice, iou } = pixelDiceIoU([1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1]);
    expect(dice).toBeCloseTo(0.5);
    expect(iou).toBeCloseTo(1 / 3);
  });
  it('both empty is perfect, one empty is zero', () => {
    expect(pixelDiceIoU([0, 0], [0, 0])).toEqual({ dice: 1, iou: 1 });
    expect(pixelDiceIoU([1, 0], [0, 0])).toEqual({ dice: 0, iou: 0 });
  });
});

describe('GlaS object metrics', () => {
  it('a found and a missed gland', () => {
    const truth = rects(20, 5, [[1, 0, 0, 2, 2], [2, 10, 0, 2, 2]]);
    const pred = rects(20, 5, [[7, 0, 0, 2, 2]]);
    const m = evaluateInstances(pred, truth);
    expect([m.tp, m.fp, m.fn]).toEqual([1, 0, 1]);
    expect(m.objectF1).toBeCloseTo(2 / 3);
    // pred side: 1; truth side: 0.5 * 1 + 0.5 * 0.
    expect(m.objectDice).toBeCloseTo(0.75);
    // The missed gland's nearest prediction is 10 px away both ways: (0 + 0.5 * 10) / 2.
    expect(m.objectHausdorff).toBeCloseTo(2.5);
  });

  it('a one-pixel shift matches (IoU 0.6), a two-pixel shift does not (IoU 1/3)', () => {
    const truth = rects(10, 6, [[1, 0, 0, 4, 4]]);
    const near = evaluateInstances(rects(10, 6, [[1, 1, 0, 4, 4]]), truth);
    expect(near.objectF1).toBe(1);
    expect(near.objectDice).toBeCloseTo(0.75);
    expect(near.objectHausdorff).toBeCloseTo(1);
    const far = evaluateInstances(rects(10, 6, [[1, 2, 0, 4, 4]]), truth);
    expect(far.objectF1).toBe(0);
    expect([far.fp, far.fn]).toEqual([1, 1]);
    expect(far.objectDice).toBeCloseTo(0.5); // still paired by largest overlap
    expect(far.objectHausdorff).toBeCloseTo(2);
  });

  it('area weighting: a big gland counts more than a small one', () => {
    // Big gland found exactly (area 16), small gland (area 4) missed; nothing else predicted.
    const truth = rects(20, 6, [[1, 0, 0, 4, 4], [2, 10, 0, 2, 2]]);
    const pred = rects(20, 6, [[1, 0, 0, 4, 4]]);
    const m = evaluateInstances(pred, truth);
    expect(m.objectDice).toBeCloseTo((1 + 16 / 20) / 2);
  });

  it('two glands merged into one prediction: one false negative, one false positive-free match', () => {
    const truth = rects(12, 4, [[1, 0, 0, 5, 4], [2, 6, 0, 2, 4]]);
    const pred = rects(12, 4, [[1, 0, 0, 8, 4]]);
    const m = evaluateInstances(pred, truth);
    // IoU with the big gland = 20/32 > 0.5 -> TP; the small gland is FN.
    expect([m.tp, m.fp, m.fn]).toEqual([1, 0, 1]);
    expect(m.pixelDice).toBeCloseTo((2 * 28) / (32 + 28));
  });

  it('degenerate images', () => {
    const empty = rects(8, 6, []);
    const one = rects(8, 6, [[1, 0, 0, 2, 2]]);
    expect(evaluateInstances(empty, empty)).toMatchObject({ objectF1: 1, objectDice: 1, objectHausdorff: 0 });
    expect(evaluateInstances(empty, one)).toMatchObject({ objectF1: 0, objectDice: 0, objectHausdorff: 10, fn: 1 });
  });

  it('mean and pooled F1', () => {
    const truth = rects(20, 5, [[1, 0, 0, 2, 2], [2, 10, 0, 2, 2]]);
    const a = evaluateInstances(rects(20, 5, [[1, 0, 0, 2, 2]]), truth);
    const b = evaluateInstances(truth, truth);
    const mean = meanMetrics([a, b]);
    expect(mean.objectF1).toBeCloseTo((2 / 3 + 1) / 2);
    expect(mean.pooledObjectF1).toBeCloseTo((2 * 3) / (2 * 3 + 0 + 1));
  });
});

describe('distance transform', () => {
  it('matches brute force, including a point inside a hole', () => {
    const w = 9;
    const h = 7;
    const inside = new Uint8Array(w * h);
    // A ring: the centre's nearest set pixel is 2 away.
    for (let y = 1; y < 6; y++) for (let x = 2; x < 7; x++) if (y === 1 || y === 5 || x === 2 || x === 6) inside[y * w + x] = 1;
    const dt = squaredDistanceTransform(inside, w, h);
    for (let i = 0; i < w * h; i++) {
      let best = Infinity;
      for (let j = 0; j < w * h; j++) {
        if (!inside[j]) continue;
        const dx = (i % w) - (j % w);
        const dy = Math.floor(i / w) - Math.floor(j / w);
        best = Math.min(best, dx * dx + dy * dy);
      }
      expect(dt[i]).toBe(best);
    }
  });
});
