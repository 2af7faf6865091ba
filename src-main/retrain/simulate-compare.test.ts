import { describe, expect, it } from 'vitest';
import { beyondReference, compareCurves, fieldsToReach } from './simulate-compare';

const curve = (...dice: (number | null)[]) => dice.map((d, i) => ({ labelledFields: 4 * (i + 1), dice: d }));

describe('fieldsToReach', () => {
  it('takes the first round at or above the target, interpolating from the best before it', () => {
    const c = curve(0.7, 0.8, 0.75, 0.9);
    expect(fieldsToReach(c, 0.7)).toBe(4);
    expect(fieldsToReach(c, 0.75)).toBeCloseTo(6, 10); // half-way from 0.7 (4 fields) to 0.8 (8)
    expect(fieldsToReach(c, 0.85)).toBeCloseTo(14, 10); // from the best so far, 0.8 after 12 fields, to 0.9 after 16
    expect(fieldsToReach(c, 0.95)).toBeNull();
    expect(fieldsToReach(curve(0.9), 0.5)).toBe(4);
    expect(fieldsToReach(curve(null, 0.8), 0.8)).toBe(8);
  });
});

describe('compareCurves', () => {
  it('gives, for each new best of the reference, the candidate fields and the ratio', () => {
    const queue = curve(0.7, 0.82, 0.85, 0.86);
    const random = curve(0.7, 0.75, 0.8, 0.84);
    const rows = compareCurves(queue, random);
    expect(rows.map((r) => r.referenceFields)).toEqual([4, 8, 12, 16]);
    expect(rows.map((r) => r.target)).toEqual([0.7, 0.75, 0.8, 0.84]);
    expect(rows[3].candidateFields).toBeCloseTo(8 + (0.02 / 0.03) * 4, 10);
    expect(rows[3].ratio).toBeCloseTo((8 + (0.02 / 0.03) * 4) / 16, 10);
    // A reference that gets worse adds no row; a candidate that never gets there has no ratio.
    expect(compareCurves(curve(0.6, 0.6), curve(0.7, 0.65)).map((r) => [r.target, r.ratio])).toEqual([[0.7, null]]);
  });

  it('starts both curves from round 0 (the starting model) without a row for it', () => {
    const withStart = (...dice: number[]) => [{ labelledFields: 0, dice: 0.8 }, ...curve(...dice)];
    // Random first falls below the start (the best so far stays 0.8), then passes it.
    const rows = compareCurves(withStart(0.82, 0.85), withStart(0.78, 0.84));
    expect(rows.map((r) => r.target)).toEqual([0.84]);
    expect(rows[0].referenceFields).toBeCloseTo(4 + (0.04 / 0.04) * 4, 10); // from 0.8 (still the best at 4 fields) to 0.84 at 8
    expect(rows[0].candidateFields).toBeCloseTo(4 + 4 * (0.02 / 0.03), 10);
  });
});

describe('beyondReference', () => {
  it('lists the Dice the candidate reached above all of the reference run, with a bound on the ratio', () => {
    const start = { labelledFields: 0, dice: 0.75 };
    const queue = [start, ...curve(0.72, 0.8, 0.78, 0.82)];
    const random = [start, ...curve(0.63, 0.64, 0.67, 0.64)]; // never above its start
    const rows = beyondReference(queue, random);
    expect(rows.map((r) => r.target)).toEqual([0.8, 0.82]);
    expect(rows[0].candidateFields).toBe(8); // from the best so far, 0.75 at 4 fields, to 0.8 at 8
    expect(rows[1].candidateFields).toBeCloseTo(12 + 4 * (0.02 / 0.02), 10);
    expect(rows[0]).toMatchObject({ referenceRunFields: 16, ratioBelow: 0.5 });
    expect(beyondReference(random, queue)).toEqual([]);
  });
});
