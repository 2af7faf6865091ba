/**
 * Uncertainty of the model's gland predictions, per pixel and per gland, on a 0..1 scale.
 *
 * Three signals, each already 0..1:
 *  - disagreement: max - min of the experts' gland probabilities (predict.ts, modelForward);
 *    high where the segmentation and SDF experts and the fused mask tell different stories.
 *  - entropy: binary entropy of the fused gland probability, in bits (1 at p = 0.5).
 *  - gate entropy: entropy of the gates' weights over the three experts, divided by log 3 and
 *    averaged over the three tasks. A gate that cannot decide which expert to trust for a
 *    window is a sign the window is unlike the training data. The gates weigh a whole window,
 *    so this signal is coarse: blended over the overlapping windows, it varies smoothly.
 * The combination is a weighted mean: disagreement and entropy say where, the gate says how
 * unusual the neighbourhood is, so it gets the smallest weight.
 */

export interface UncertaintyWeights {
  disagreement: number;
  entropy: number;
  gate: number;
}

export const UNCERTAINTY_WEIGHTS: Readonly<UncertaintyWeights> = Object.freeze({ disagreement: 0.45, entropy: 0.35, gate: 0.2 });

/** Binary entropy in bits of a probability (0 at 0 and 1, 1 at 0.5). */
export function binaryEntropy(p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return -(q * Math.log2(q) + (1 - q) * Math.log2(1 - q));
}

/**
 * Normalised entropy of gate weights: `gates` holds groups of `experts` softmax weights (one
 * group per task); returns the mean over groups of H(group) / log(experts), 0..1.
 */
export function gateEntropy(gates: ArrayLike<number>, offset = 0, groups = 3, experts = 3): number {
  let total = 0;
  for (let g = 0; g < groups; g++) {
    let h = 0;
    for (let e = 0; e < experts; e++) {
      const w = gates[offset + g * experts + e];
      if (w > 0) h -= w * Math.log(w);
    }
    total += h / Math.log(experts);
  }
  return Math.min(1, Math.max(0, total / groups));
}

export function combineUncertainty(disagreement: number, entropy: number, gate: number | null, weights: UncertaintyWeights = UNCERTAINTY_WEIGHTS): number {
  // Without gate weights (a forward that does not expose them) the other two share its weight.
  if (gate === null) return (weights.disagreement * disagreement + weights.entropy * entropy) / (weights.disagreement + weights.entropy);
  const sum = weights.disagreement + weights.entropy + weights.gate;
  return (weights.disagreement * disagreement + weights.entropy * entropy + weights.gate * gate) / sum;
}

/** Per-pixel uncertainty map from the fused probability, disagreement and (optional) gate entropy maps. */
export function uncertaintyMap(fg: Float32Array, disagreement: Float32Array, gate: Float32Array | null, weights: UncertaintyWeights = UNCERTAINTY_WEIGHTS): Float32Array {
  const out = new Float32Array(fg.length);
  for (let i = 0; i < fg.length; i++) out[i] = combineUncertainty(disagreement[i], binaryEntropy(fg[i]), gate ? gate[i] : null, weights);
  return out;
}
