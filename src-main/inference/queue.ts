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
 */

export interface ScoredField {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Uncertainty score, higher = more worth reviewing. */
  score: number;
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
  done?: readonly { x: number; y: number; width: number; height: number }[];
}

const centre = (f: { x: number; y: number; width: number; height: number }): [number, number] => [f.x + f.width / 2, f.y + f.height / 2];

export function rankFields(fields: readonly ScoredField[], opts: RankOptions = {}): RankedField[] {
  if (fields.length === 0) return [];
  const radius = opts.radius ?? 2 * Math.max(fields[0].width, fields[0].height);
  const penalty = Math.min(1, Math.max(0, opts.penalty ?? 0.5));
  const centres = fields.map(centre);
  // Strongest similarity of each field to anything picked so far.
  const similarity = new Float64Array(fields.length);
  const absorb = (c: [number, number]) => {
    for (let i = 0; i < fields.length; i++) {
      const d = Math.hypot(centres[i][0] - c[0], centres[i][1] - c[1]);
      similarity[i] = Math.max(similarity[i], Math.exp(-((d / radius) ** 2)));
    }
  };
  for (const f of opts.done ?? []) absorb(centre(f));
  const taken = new Uint8Array(fields.length);
  const ranked: RankedField[] = [];
  for (let rank = 1; rank <= fields.length; rank++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let i = 0; i < fields.length; i++) {
      if (taken[i]) continue;
      const adjusted = fields[i].score * (1 - penalty * similarity[i]);
      // Ties go to the earlier field, so the order is deterministic.
      if (adjusted > bestScore) {
        bestScore = adjusted;
        best = i;
      }
    }
    taken[best] = 1;
    ranked.push({ ...fields[best], rank, adjustedScore: bestScore });
    absorb(centres[best]);
  }
  return ranked;
}
