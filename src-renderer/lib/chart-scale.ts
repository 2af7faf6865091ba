/**
 * Scales and SVG paths for the training panel's line charts (no chart library: a few series of
 * a few hundred points each need little more than an extent, a mapping and a polyline).
 *
 * Loss terms of a Semi-MoE run differ by orders of magnitude (a mask loss near 0.5 beside an
 * unsupervised term near 0.005), so the loss chart uses a log scale: on a linear one the small
 * terms would lie flat on the axis. The learned objective weights are drawn linearly.
 */

export interface ChartPoint {
  x: number;
  y: number;
}

export interface Series {
  name: string;
  points: ChartPoint[];
}

export interface Extent {
  min: number;
  max: number;
}

export type ScaleKind = 'linear' | 'log';

/** Values at or below this are clamped on a log scale (a loss can reach exactly 0). */
export const LOG_FLOOR = 1e-6;

/** Min and max of the finite values (log: of the positive ones, floored); null when none. */
export function extentOf(values: Iterable<number>, kind: ScaleKind = 'linear'): Extent | null {
  let min = Infinity;
  let max = -Infinity;
  for (const raw of values) {
    if (!Number.isFinite(raw)) continue;
    const v = kind === 'log' ? Math.max(raw, LOG_FLOOR) : raw;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? { min, max } : null;
}

/**
 * Widens an extent so a flat series still gets a visible band and the lines do not touch the
 * frame: linear by 5% each side (±0.5 or ±5% of |v| when flat), log by a fraction of a decade.
 */
export function padExtent(e: Extent, kind: ScaleKind): Extent {
  if (kind === 'log') {
    const lo = Math.log10(e.min);
    const hi = Math.log10(e.max);
    const pad = hi - lo < 1e-9 ? 0.5 : (hi - lo) * 0.05;
    return { min: 10 ** (lo - pad), max: 10 ** (hi + pad) };
  }
  if (e.max - e.min < 1e-12) {
    const pad = Math.abs(e.min) * 0.05 || 0.5;
    return { min: e.min - pad, max: e.max + pad };
  }
  const pad = (e.max - e.min) * 0.05;
  return { min: e.min - pad, max: e.max + pad };
}

/** Maps a value in `domain` to [range0, range1] (range1 may be below range0: SVG's y is down). */
export function scale(domain: Extent, range0: number, range1: number, kind: ScaleKind = 'linear'): (v: number) => number {
  const f = kind === 'log' ? (v: number) => Math.log10(Math.max(v, LOG_FLOOR)) : (v: number) => v;
  const d0 = f(domain.min);
  const d1 = f(domain.max);
  const span = d1 - d0;
  // A single x (one progress point) sits in the middle instead of dividing by zero.
  if (span === 0) return () => (range0 + range1) / 2;
  return (v) => range0 + ((f(v) - d0) / span) * (range1 - range0);
}

/**
 * The polyline of each series inside a width x height box, with a shared x scale (steps) and
 * a shared y scale, as SVG path data; non-finite points are skipped (a NaN loss breaks the line
 * rather than the chart). Returns the domains too, for axis labels.
 */
export function seriesPaths(
  series: Series[],
  width: number,
  height: number,
  kind: ScaleKind,
): { paths: { name: string; d: string }[]; x: Extent | null; y: Extent | null } {
  const all = series.flatMap((s) => s.points);
  const xe = extentOf(all.map((p) => p.x));
  const ye0 = extentOf(all.map((p) => p.y), kind);
  if (!xe || !ye0) return { paths: series.map((s) => ({ name: s.name, d: '' })), x: xe, y: ye0 };
  const ye = padExtent(ye0, kind);
  const sx = scale(xe, 0, width);
  const sy = scale(ye, height, 0, kind);
  const paths = series.map((s) => {
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`;
      pen = true;
    }
    return { name: s.name, d };
  });
  return { paths, x: xe, y: ye };
}

/** A short label for an axis value: 3 significant digits, exponent form for tiny or huge ones. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}
