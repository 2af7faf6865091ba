import { describe, expect, it } from 'vitest';
import type { Gland } from '../../src-main/api/contract';
import { drawGlands, STATUS_COLORS } from './overlay-draw';

/** A 2D context that records what is stroked, in which colour. */
function recordingContext() {
  const strokes: { color: string; moves: number; rects: number; dash: number[] }[] = [];
  let moves = 0;
  let rects = 0;
  let dash: number[] = [];
  const ctx = {
    lineJoin: 'miter',
    lineWidth: 1,
    strokeStyle: '',
    beginPath: () => {
      moves = 0;
      rects = 0;
    },
    moveTo: () => void moves++,
    lineTo: () => {},
    closePath: () => {},
    rect: () => void rects++,
    setLineDash: (d: number[]) => void (dash = d),
    stroke: () => strokes.push({ color: String(ctx.strokeStyle), moves, rects, dash }),
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, strokes };
}

function gland(id: string, status: Gland['status'], size: number): Gland {
  return {
    id, slideId: 's', polygons: [[[[0, 0], [size, 0], [size, size], [0, size], [0, 0]]]], className: 'gland', source: 'model', status,
    modelVersion: null, confidence: null, uncertainty: null, bbox: [0, 0, size, size], updatedAt: '',
  };
}

describe('drawGlands', () => {
  it('strokes once per status in that status colour, rejected dashed, and counts every gland', () => {
    const { ctx, strokes } = recordingContext();
    const glands = [gland('a', 'proposed', 100), gland('b', 'proposed', 100), gland('c', 'accepted', 100), gland('d', 'rejected', 100)];
    const count = drawGlands(ctx, glands, { ox: 0, oy: 0, scale: 1 }, new Set());
    expect(count).toBe(4);
    expect(strokes.map((s) => s.color)).toEqual([STATUS_COLORS.rejected, STATUS_COLORS.proposed, STATUS_COLORS.accepted]);
    expect(strokes.find((s) => s.color === STATUS_COLORS.proposed)?.moves).toBe(2);
    expect(strokes.find((s) => s.color === STATUS_COLORS.rejected)?.dash.length).toBeGreaterThan(0);
  });

  it('draws glands too small to see as dots, and the selection on top', () => {
    const { ctx, strokes } = recordingContext();
    const count = drawGlands(ctx, [gland('tiny', 'edited', 100), gland('big', 'edited', 100)], { ox: 0, oy: 0, scale: 0.01 }, new Set(['big']));
    expect(count).toBe(2);
    expect(strokes[0]).toMatchObject({ color: STATUS_COLORS.edited, rects: 2, moves: 0 });
    // The selection: a dark halo then white, over the selected gland's outline.
    expect(strokes.slice(1).map((s) => s.moves)).toEqual([1, 1]);
  });
});
