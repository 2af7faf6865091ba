import { describe, expect, it } from 'vitest';
import type { Gland } from '../../src-main/api/contract';
import { drawGlands, ringStride, STATUS_COLORS } from './overlay-draw';

/** A 2D context that records what is stroked and filled, in which colour. */
function recordingContext() {
  const strokes: { color: string; moves: number; lines: number; dash: number[] }[] = [];
  const fills: { color: string }[] = [];
  let moves = 0;
  let lines = 0;
  let dash: number[] = [];
  const ctx = {
    lineJoin: 'miter',
    lineWidth: 1,
    strokeStyle: '',
    fillStyle: '',
    beginPath: () => {
      moves = 0;
      lines = 0;
    },
    moveTo: () => void moves++,
    lineTo: () => void lines++,
    closePath: () => {},
    setLineDash: (d: number[]) => void (dash = d),
    stroke: () => strokes.push({ color: String(ctx.strokeStyle), moves, lines, dash }),
    fillRect: () => fills.push({ color: String(ctx.fillStyle) }),
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, strokes, fills };
}

function gland(id: string, status: Gland['status'], size: number, vertices = 4): Gland {
  const ring: [number, number][] = [];
  for (let k = 0; k < vertices; k++) {
    const a = (k / vertices) * 2 * Math.PI;
    ring.push([size / 2 + (size / 2) * Math.cos(a), size / 2 + (size / 2) * Math.sin(a)]);
  }
  ring.push(ring[0]);
  return {
    id, slideId: 's', polygons: [[ring]], className: 'gland', source: 'model', status,
    modelVersion: null, confidence: null, uncertainty: null, bbox: [0, 0, size, size], updatedAt: '',
  };
}

describe('drawGlands', () => {
  it('strokes each gland in its status colour, statuses in a fixed order, large rejected ones dashed', () => {
    const { ctx, strokes } = recordingContext();
    const glands = [gland('a', 'proposed', 100), gland('b', 'accepted', 100), gland('c', 'proposed', 100), gland('d', 'rejected', 100)];
    const count = drawGlands(ctx, glands, { ox: 0, oy: 0, scale: 1 }, new Set());
    expect(count).toBe(4);
    expect(strokes.map((s) => s.color)).toEqual([STATUS_COLORS.rejected, STATUS_COLORS.proposed, STATUS_COLORS.proposed, STATUS_COLORS.accepted]);
    expect(strokes[0].dash.length).toBeGreaterThan(0);
    expect(strokes[1].dash).toEqual([]);
    expect(strokes.every((s) => s.moves === 1)).toBe(true);
  });

  it('draws glands too small to show a ring as dots, and the selection on top', () => {
    const { ctx, strokes, fills } = recordingContext();
    const count = drawGlands(ctx, [gland('tiny', 'edited', 100), gland('big', 'edited', 100)], { ox: 0, oy: 0, scale: 0.01 }, new Set(['big']));
    expect(count).toBe(2);
    expect(fills).toEqual([{ color: STATUS_COLORS.edited }, { color: STATUS_COLORS.edited }]);
    // The selection: a dark halo then white, over the selected gland's full outline.
    expect(strokes.map((s) => s.moves)).toEqual([1, 1]);
    expect(strokes[0].lines).toBe(3);
  });

  it('keeps fewer vertices of a gland small on screen, all of them when large', () => {
    const { ctx, strokes } = recordingContext();
    drawGlands(ctx, [gland('a', 'proposed', 1000, 64)], { ox: 0, oy: 0, scale: 0.01 }, new Set());
    const small = strokes[0].lines + 1;
    drawGlands(ctx, [gland('a', 'proposed', 1000, 64)], { ox: 0, oy: 0, scale: 1 }, new Set());
    expect(small).toBeLessThan(20);
    expect(small).toBeGreaterThanOrEqual(6);
    expect(strokes[1].lines + 1).toBe(64);
  });
});

describe('ringStride', () => {
  it('keeps about one vertex per 5 px of perimeter and never fewer than 6', () => {
    expect(ringStride(65, 1000)).toBe(1);
    expect(ringStride(65, 10)).toBe(9);
    expect(ringStride(65, 4)).toBe(10);
    expect(ringStride(5, 4)).toBe(1);
  });
});
