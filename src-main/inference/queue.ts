/**
 * The active-learning queue: fields ordered by how much a pathologist's review is worth, i.e.
 * by the model's uncertainty there, with diversity so that a cluster of neighbouring uncertain
 * fields (one odd patch of tissue) does not fill the top of the queue.
 *
 * Greedy selection: repeatedly take the field with the highest adjusted score, where
 *   adjusted = score * (1 - penalty * max over picked fields of exp(-(d / radius)^2))
 * and d is the distance between field centres. Done fields count as picked from the start
 * (their area is labelled already). Adjusted scores only fall as fields are picked, so the
 * adjusted score at pick time never increases down the queue: it is the queue's sort key.
 *
 * Fields may also carry an appearance vector (`features`, e.g. stain and predicted gland
 * fraction). Similarity is then the larger of the spatial kernel and the same kernel over
 * feature distance, so ten uncertain fields that look alike (one stain batch, one artefact)
 * do not fill the queue either, even when they are far apart or on different slides.
 * Added because, in the simulation (retrain/simulate.ts), top-uncertainty picks bunched on one
 * kind of tissue and lost to random picks. With it, and with the simulation's rounds each
 * retrained from the starting model, the queue beat random on the mean of 3 seeds (random's
 * best Dice with about a quarter of its fields; issue 6 notes), though not on every seed.
 */

export interface ScoredField {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Uncertainty score, higher = more worth reviewing. */
  score: number;
  /** Optional appearance vector; all fields of one ranking have the same length or none. */
  features?: readonly number[];
}

export interface RankedField extends ScoredField {
  /** 1-based position in the queue. */
  rank: number;
  /** Score after the diversity penalty at the time it was picked (non-increasing with rank). */
  adjustedScore: number;
}

export interface RankOptions {
  /** Kernel radius in level-0 pixels (default: 2 field sides). */
  radius?: number;
  /** 0 = no diversity, 1 = an exact duplicate is worth nothing (default 0.5). */
  penalty?: number;
  /** Fields already reviewed: they push their neighbours down but are not ranked. */
  done?: readonly { x: number; y: number; width: number; height: number; features?: readonly number[] }[];
  /**
   * Kernel radius in feature space, after each feature is standardised over the candidates
   * (default: the median distance between candidates, so the kernel adapts to the spread).
   */
  featureRadius?: number;
  /**
   * Information density (Settles and Craven 2008): each score is multiplied by the field's mean
   * feature-space similarity to all candidates, raised to this power, so typical fields win over
   * outliers of the same uncertainty (0 = off, the default; needs features). Tried because in
   * the simulation plain uncertainty picked the atypical tail (three poorly differentiated
   * carcinomas in one round of four); on two seeds it did not make the queue beat random either.
   */
  densityWeight?: number;
}

const centre = (f: { x: number; y: number; width: number; height: number }): [number, number] => [f.x + f.width / 2, f.y + f.height / 2];

export function rankFields(fields: readonly ScoredField[], opts: RankOptions = {}): RankedField[] {
  if (fields.length === 0) return [];
  const radius = opts.radius ?? 2 * Math.max(fields[0].width, fields[0].height);
  const penalty = Math.min(1, Math.max(0, opts.penalty ?? 0.5));
  const centres = fields.map(centre);
  const appearance = standardisedFeatures(fields, opts.done ?? []);
  const featureRadius = appearance ? (opts.featureRadius ?? medianDistance(appearance.fields)) : 0;
  // Strongest similarity of each field to anything picked so far.
  const similarity = new Float64Array(fields.length);
  const absorb = (c: [number, number], features: Float64Array | null) => {
    for (let i = 0; i < fields.length; i++) {
      const d = Math.hypot(centres[i][0] - c[0], centres[i][1] - c[1]);
      let s = kernel(d, radius);
      if (features && appearance && featureRadius > 0) s = Math.max(s, kernel(distance(appearance.fields[i], features), featureRadius));
      similarity[i] = Math.max(similarity[i], s);
    }
  };
  (opts.done ?? []).forEach((f, k) => absorb(centre(f), appearance?.done[k] ?? null));
  const density = appearance && opts.densityWeight ? meanSimilarity(appearance.fields, featureRadius) : null;
  const base = fields.map((f, i) => (density ? f.score * density[i] ** opts.densityWeight! : f.score));
  const taken = new Uint8Array(fields.length);
  const ranked: RankedField[] = [];
  for (let rank = 1; rank <= fields.length; rank++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < fields.length; i++) {
      if (taken[i]) continue;
      const adjusted = base[i] * (1 - penalty * similarity[i]);
      // Ties go to the earlier field, so the order is deterministic.
      if (adjusted > bestScore) {
        bestScore = adjusted;
        best = i;
      }
    }
    taken[best] = 1;
    ranked.push({ ...fields[best], rank, adjustedScore: bestScore });
    absorb(centres[best], appearance?.fields[best] ?? null);
  }
  return ranked;
}

/**
 * Feature vectors standardised (z-scores over the candidates), so no feature dominates by its
 * units; null when the candidates carry none. Done fields without features get null entries.
 */
function standardisedFeatures(
  fields: readonly ScoredField[],
  done: readonly { features?: readonly number[] }[],
): { fields: Float64Array[]; done: (Float64Array | null)[] } | null {
  const dims = fields[0].features?.length ?? 0;
  if (dims === 0) return null;
  if (fields.some((f) => f.features?.length !== dims)) throw new Error('rankFields: every field needs a feature vector of the same length');
  const mean = new Float64Array(dims);
  const std = new Float64Array(dims);
  for (const f of fields) for (let j = 0; j < dims; j++) mean[j] += f.features![j] / fields.length;
  for (const f of fields) for (let j = 0; j < dims; j++) std[j] += (f.features![j] - mean[j]) ** 2 / fields.length;
  for (let j = 0; j < dims; j++) std[j] = Math.sqrt(std[j]) || 1; // a constant feature says nothing
  const z = (v: readonly number[]) => Float64Array.from({ length: dims }, (_, j) => (v[j] - mean[j]) / std[j]);
  return {
    fields: fields.map((f) => z(f.features!)),
    done: done.map((d) => (d.features?.length === dims ? z(d.features) : null)),
  };
}

/** Each vector's mean kernel similarity to all vectors (itself included, so never 0). */
function meanSimilarity(vectors: readonly Float64Array[], radius: number): Float64Array {
  const out = new Float64Array(vectors.length);
  if (!(radius > 0)) return out.fill(1);
  for (let i = 0; i < vectors.length; i++) {
    let sum = 0;
    for (const v of vectors) sum += kernel(distance(vectors[i], v), radius);
    out[i] = sum / vectors.length;
  }
  return out;
}

/** Similarity of two things `d` apart: 1 when they coincide, e^-1 at one radius. */
function kernel(d: number, radius: number): number {
  return Math.exp(-((d / radius) ** 2));
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += (a[j] - b[j]) ** 2;
  return Math.sqrt(s);
}

/** Median pairwise distance (all pairs up to 200 vectors, a strided sample beyond). */
function medianDistance(vectors: readonly Float64Array[]): number {
  const step = Math.max(1, Math.floor(vectors.length / 200));
  const sample = vectors.filter((_, i) => i % step === 0);
  const d: number[] = [];
  for (let i = 0; i < sample.length; i++) for (let j = i + 1; j < sample.length; j++) d.push(distance(sample[i], sample[j]));
  if (d.length === 0) return 0;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}
