import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from './config';
import { SemiMoeModel } from './model';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const config = makeConfig({ width: 4, inputSize: 32 });
const input = (seed: number, batch = 2) => tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', seed) as tf.Tensor4D;

/** Parameter count of the architecture in SEMI-MOE.md, from first principles. */
function expectedParameters(w: number, depth: number): number {
  const conv3 = (cin: number, cout: number) => 9 * cin * cout + 2 * cout; // kernel + BN gamma, beta
  const width = (l: number) => w * 2 ** l;
  let unet = 0;
  for (let l = 0; l <= depth; l++) unet += conv3(l === 0 ? 3 : width(l - 1), width(l)) + conv3(width(l), width(l));
  for (let l = 0; l < depth; l++) unet += conv3(width(l + 1), width(l)) + conv3(2 * width(l), width(l)) + conv3(width(l), width(l));
  const experts = 3 * unet + (w * 2 + 2) + (w + 1) + (w * 2 + 2); // + the 1x1 heads (2, 1, 2 channels)
  const h = Math.round(1.5 * w);
  const gates = 3 * (3 * w * h + h + h * h + h + h * 3 + 3);
  const heads = w * 2 + 2 + (w + 1) + (w * 2 + 2);
  return experts + gates + heads;
}

describe('SemiMoeModel', () => {
  it('produces the documented shapes; gate weights are a softmax per image', () => {
    const model = new SemiMoeModel(config);
    tf.tidy(() => {
      const out = model.forward(input(1), false);
      expect(out.experts.seg.shape).toEqual([2, 32, 32, 2]);
      expect(out.experts.sdf.shape).toEqual([2, 32, 32, 1]);
      expect(out.experts.bnd.shape).toEqual([2, 32, 32, 2]);
      expect(out.gated.mask.shape).toEqual([2, 32, 32, 2]);
      expect(out.gated.sdf.shape).toEqual([2, 32, 32, 1]);
      expect(out.gated.bnd.shape).toEqual([2, 32, 32, 2]);
      for (const g of [out.gateWeights.mask, out.gateWeights.sdf, out.gateWeights.bnd]) {
        expect(g.shape).toEqual([2, 3]);
        for (const s of tf.sum(g, 1).dataSync()) expect(s).toBeCloseTo(1, 5);
      }
    });
    model.dispose();
  });

  it('has the parameter count of the specified architecture, grouped by role', () => {
    const model = new SemiMoeModel(config);
    expect(model.parameterCount()).toBe(expectedParameters(4, 4));
    const { experts, gating, heads } = model.variables;
    const grouped = [...experts.seg, ...experts.sdf, ...experts.bnd, ...gating, ...heads];
    expect(new Set(grouped).size).toBe(grouped.length);
    expect(new Set(grouped)).toEqual(new Set(model.trainableVariables()));
    expect(gating.length).toBe(3 * 6); // 3 gates x 3 linears x (weight, bias)
    expect(heads.length).toBe(3 * 2);
    // Running statistics are variables too, but not trainable.
    const stats = [...model.namedVariables()].filter(([n]) => n.includes('running'));
    expect(stats.length).toBeGreaterThan(0);
    for (const [, v] of stats) expect(v.trainable).toBe(false);
    expect(makeConfig().width).toBe(8);
    model.dispose();
  });

  it('inference is deterministic; training uses batch statistics and moves the running ones without leaking', () => {
    const model = new SemiMoeModel(config);
    const x = input(2);
    const infer = () => tf.tidy(() => Array.from(model.forward(x, false).gated.mask.dataSync()));
    const first = infer();
    expect(infer()).toEqual(first);

    const runningMean = model.namedVariables().get('expert.seg.enc0.conv1.bn.runningMean')!;
    const kernel = model.namedVariables().get('expert.seg.enc0.conv1.kernel')!;
    const before = { mean: Array.from(runningMean.dataSync()), kernel: Array.from(kernel.dataSync()) };
    const tensors = tf.memory().numTensors;
    tf.tidy(() => {
      model.forward(x, true);
    });
    tf.tidy(() => {
      model.forward(x, true);
    });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(Array.from(runningMean.dataSync())).not.toEqual(before.mean);
    expect(Array.from(kernel.dataSync())).toEqual(before.kernel);
    expect(infer()).not.toEqual(first); // inference now uses the updated running statistics
    x.dispose();
    model.dispose();
  });

  it('is initialised reproducibly from its seed', () => {
    const a = new SemiMoeModel(config, 5);
    const b = new SemiMoeModel(config, 5);
    const c = new SemiMoeModel(config, 6);
    const name = 'gate.sdf.in.weight';
    const values = (m: SemiMoeModel) => Array.from(m.namedVariables().get(name)!.dataSync());
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    // Kaiming fan-in: std sqrt(2 / fanIn); this kernel is [3, 3, 8, 8], fanIn 72.
    const k = Array.from(a.namedVariables().get('expert.bnd.enc1.conv2.kernel')!.dataSync()); // fanIn 9 * 8
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    expect(std).toBeGreaterThan(Math.sqrt(2 / 72) * 0.9);
    expect(std).toBeLessThan(Math.sqrt(2 / 72) * 1.1);
    for (const m of [a, b, c]) m.dispose();
  });

  it('rejects inputs it cannot pool, and frees every variable on dispose', () => {
    const tensors = tf.memory().numTensors;
    const model = new SemiMoeModel(config);
    expect(() => model.forward(tf.zeros([1, 24, 32, 3]) as tf.Tensor4D, false)).toThrow(/multiples of 16/);
    expect(() => model.forward(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D, false)).toThrow(/\[B, H, W, 3\]/);
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensors + 2); // only the two zeros inputs above remain
  });
});
