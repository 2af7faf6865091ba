/**
 * Reading two `semimoe simulate` runs the way issue 6 asks: how many labelled fields does each
 * strategy need to reach the same validation Dice?
 *
 * A strategy "has reached" a Dice once any round so far did: the app keeps the previous model
 * when a retrained one is worse (Activate / Keep current), so the curve that matters is the best
 * so far. Between rounds the field count is interpolated linearly, so a curve that reaches the
 * target half-way through a round needs half that round's fields.
 */
import type { RoundResult } from './simulate';

export type Curve = readonly Pick<RoundResult, 'labelledFields' | 'dice'>[];

/** Labelled fields at which the best-so-far Dice first reaches `target`; null if it never does. */
export function fieldsToReach(rounds: Curve, target: number): number | null {
  let best = -Infinity;
  let prevFields = 0;
  for (const r of rounds) {
    const dice = r.dice ?? -Infinity;
    if (dice >= target) {
      if (best === -Infinity || r.labelledFields === prevFields) return r.labelledFields;
      // Linear between the previous round (best so far) and this one.
      const t = (target - best) / (dice - best);
      return prevFields + Math.max(0, t) * (r.labelledFields - prevFields);
    }
    best = Math.max(best, dice);
    prevFields = r.labelledFields;
  }
  return null;
}

export interface ReachRow {
  /** The Dice the reference strategy reached after `referenceFields` labelled fields. */
  target: number;
  referenceFields: number;
  candidateFields: number | null;
  /** candidate / reference fields; below 1 the candidate needs fewer. */
  ratio: number | null;
}

/**
 * For every new best of the reference curve (random choice), the fields the candidate (the
 * queue) needs for the same Dice.
 */
export function compareCurves(candidate: Curve, reference: Curve): ReachRow[] {
  const rows: ReachRow[] = [];
  let best = -Infinity;
  for (const r of reference) {
    if (r.dice === null || r.dice <= best) continue;
    best = r.dice;
    const referenceFields = fieldsToReach(reference, best)!;
    if (referenceFields === 0) continue; // round 0, the starting model: both curves share it
    const candidateFields = fieldsToReach(candidate, best);
    rows.push({ target: best, referenceFields, candidateFields, ratio: candidateFields === null ? null : candidateFields / referenceFields });
  }
  return rows;
}

export interface BeyondRow {
  /** A Dice the candidate reached and the reference never did in its run. */
  target: number;
  candidateFields: number;
  /** The reference's whole run: it needs more than this many fields for `target`. */
  referenceRunFields: number;
  /** candidateFields / referenceRunFields: the true ratio is below this bound. */
  ratioBelow: number;
}

/**
 * The other half of the reading: each new best of the candidate above everything the reference
 * reached. The reference needs more fields than its whole run for those, so the ratio is only
 * bounded (the run would have to go on to measure it).
 */
export function beyondReference(candidate: Curve, reference: Curve): BeyondRow[] {
  const referenceBest = Math.max(-Infinity, ...reference.map((r) => r.dice ?? -Infinity));
  const referenceRunFields = Math.max(0, ...reference.map((r) => r.labelledFields));
  const rows: BeyondRow[] = [];
  let best = referenceBest;
  for (const r of candidate) {
    if (r.dice === null || r.dice <= best) continue;
    best = r.dice;
    const candidateFields = fieldsToReach(candidate, best)!;
    rows.push({ target: best, candidateFields, referenceRunFields, ratioBelow: candidateFields / referenceRunFields });
  }
  return rows;
}
