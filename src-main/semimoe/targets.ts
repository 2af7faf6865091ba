/**
 * Training targets derived from a gland mask: signed distance field, boundary ring, and the
 * connected components that turn a binary mask into gland instances.
 *
 * Pure TypeScript on typed arrays (row-major, index = y * width + x); no tfjs.
 */

// ---------------------------------------------------------------------------------------------
// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012)

/** Abscissa where the parabolas rooted at q and p (p < q) intersect. */
const intersection = (f: Float64Array, q: number, p: number): number => (f[q] + q * q - (f[p] + p * p)) / (2 * (q - p));

/**
 * 1-D squared distance transform: d[q] = min_p ((q - p)^2 + f[p]) for q in [0, n).
 * Computes the lower envelope of the parabolas rooted at (p, f[p]) in one left-to-right pass,
 * then reads it off in a second. `v` (parabola roots) and `z` (envelope breakpoints) are scratch.
 */
function squaredDistance1d(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = 0; // index of the rightmost parabola in the envelope
  v[0] = 0;
  z[0] = -Infinity;
  z[1] = Infinity;
  for (let q = 1; q < n; q++) {
    // Where parabola q crosses the envelope's rightmost parabola; pop those it hides. The loop
    // stops at k = 0 at the latest, since z[0] = -Infinity and s is finite (f is finite).
    let s = intersection(f, q, v[k]);
    while (s <= z[k]) {
      k--;
      s = intersection(f, q, v[k]);
    }
    k++;
    v[k] = q;
    z[k] = s;
    z[k + 1] = Infinity;
  }
  k = 0;
  for (let q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    const p = v[k];
    d[q] = (q - p) * (q - p) + f[p];
  }
}

/**
 * Squared Euclidean distance from every pixel to the nearest pixel with `isSource[i] !== 0`,
 * exact, by the separable transform (columns, then rows). Infinity everywhere if there is
 * no source pixel.
 */
export function squaredDistanceToSources(isSource: ArrayLike<number>, width: number, height: number): Float64Array {
  // Larger than any real squared distance in the image, yet small enough that sums stay exact.
  const far = 2 * (width + height) ** 2;
  const n = Math.max(width, height);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  const out = new Float64Array(width * height);
  let any = false;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const src = isSource[y * width + x] !== 0;
      any ||= src;
      f[y] = src ? 0 : far;
    }
    squaredDistance1d(f, height, d, v, z);
    for (let y = 0; y < height; y++) out[y * width + x] = d[y];
  }
  if (!any) return out.fill(Infinity);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) f[x] = out[row + x];
    squaredDistance1d(f, width, d, v, z);
    for (let x = 0; x < width; x++) out[row + x] = d[x];
  }
  return out;
}

/**
 * Euclidean distance transform in the scipy `distance_transform_edt` convention: each non-zero
 * pixel gets its distance to the nearest zero pixel, zero pixels get 0. Infinity where the
 * image has no zero pixel at all.
 */
export function edt(mask: ArrayLike<number>, width: number, height: number): Float32Array {
  const zeros = new Uint8Array(width * height);
  for (let i = 0; i < zeros.length; i++) zeros[i] = mask[i] === 0 ? 1 : 0;
  const sq = squaredDistanceToSources(zeros, width, height);
  const out = new Float32Array(sq.length);
  for (let i = 0; i < sq.length; i++) out[i] = Math.sqrt(sq[i]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Signed distance field

/**
 * SDF target of a gland mask (non-zero = gland), in [-1, 1]: inside, the distance to the
 * background divided by its maximum over the tile; outside, minus the distance to the nearest
 * gland divided by its maximum; 0 on the gland's inner boundary (gland pixels with a
 * 4-neighbour in the background). A tile with no gland is all -1 and a tile that is all gland
 * is all +1 (the reference crashed on both).
 */
export function sdfTarget(mask: ArrayLike<number>, width: number, height: number): Float32Array {
  const n = width * height;
  let glandPixels = 0;
  for (let i = 0; i < n; i++) if (mask[i] !== 0) glandPixels++;
  if (glandPixels === 0) return new Float32Array(n).fill(-1);
  if (glandPixels === n) return new Float32Array(n).fill(1);

  const background = new Uint8Array(n);
  for (let i = 0; i < n; i++) background[i] = mask[i] === 0 ? 1 : 0;
  const pos = minMaxNormalise(edt(mask, width, height)); // > 0 inside glands
  const neg = minMaxNormalise(edt(background, width, height)); // > 0 in the background
  const sdf = new Float32Array(n);
  for (let i = 0; i < n; i++) sdf[i] = pos[i] - neg[i];

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i] === 0) continue;
      const touchesBackground =
        (x > 0 && mask[i - 1] === 0) ||
        (x < width - 1 && mask[i + 1] === 0) ||
        (y > 0 && mask[i - width] === 0) ||
        (y < height - 1 && mask[i + width] === 0);
      if (touchesBackground) sdf[i] = 0;
    }
  }
  return sdf;
}

/** (v - min) / (max - min) in place; a constant array becomes all 0. */
function minMaxNormalise(a: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  for (let i = 0; i < a.length; i++) a[i] = range > 0 ? (a[i] - lo) / range : 0;
  return a;
}

// ---------------------------------------------------------------------------------------------
// Boundary ring

/** Offsets of a digital disk: all (dx, dy) with dx^2 + dy^2 <= r^2 (skimage `disk(r)`). */
function diskOffsets(radius: number): [number, number][] {
  const out: [number, number][] = [];
  const r = Math.floor(radius);
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= radius * radius) out.push([dx, dy]);
  return out;
}

/**
 * Boundary target (1 = boundary): the ring that dilating each gland by a disk of `radius`
 * adds around it, i.e. dilate(gland) minus gland, unioned over glands. `labels` is a binary
 * mask (one "instance": the reference's rule) or an instance-id map (0 = background), in which
 * case each instance is dilated on its own, so where two glands touch, the ring of each one
 * covers the edge of the other and a boundary band separates them.
 */
export function boundaryTarget(labels: ArrayLike<number>, width: number, height: number, radius = 2): Uint8Array {
  const out = new Uint8Array(width * height);
  const disk = diskOffsets(radius);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const here = labels[y * width + x];
      // Pixel (x, y) is in the ring of instance k if an instance-k pixel lies within the disk
      // and (x, y) itself is not part of instance k.
      for (const [dx, dy] of disk) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const other = labels[ny * width + nx];
        if (other !== 0 && other !== here) {
          out[y * width + x] = 1;
          break;
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Connected components

export interface Components {
  /** Instance id per pixel: 0 = background, 1..count in raster order of each component's first pixel. */
  labels: Int32Array;
  count: number;
}

/** Connected components of the non-zero pixels (8- or 4-connectivity), by flood fill. */
export function connectedComponents(mask: ArrayLike<number>, width: number, height: number, connectivity: 4 | 8 = 8): Components {
  const n = width * height;
  const labels = new Int32Array(n);
  const stack = new Int32Array(n); // each pixel is pushed at most once (labelled when pushed)
  const steps: [number, number][] =
    connectivity === 8
      ? [[-1, -1], [0, -1], [1, -1], [-1, 0], [1, 0], [-1, 1], [0, 1], [1, 1]]
      : [[0, -1], [-1, 0], [1, 0], [0, 1]];
  let count = 0;
  for (let start = 0; start < n; start++) {
    if (mask[start] === 0 || labels[start] !== 0) continue;
    count++;
    labels[start] = count;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const y = (i - x) / width;
      for (const [dx, dy] of steps) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        const j = ny * width + nx;
        if (mask[j] !== 0 && labels[j] === 0) {
          labels[j] = count;
          stack[top++] = j;
        }
      }
    }
  }
  return { labels, count };
}
