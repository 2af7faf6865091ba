/** `semimoe simulate` end to end on a tiny synthetic GlaS folder: real training, two rounds. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as simulateCommand } from '../cli/simulate';
import { writeSyntheticGlasFolder } from '../semimoe/glas';
import { runCaptured } from '../cli/test-support';
import { packageRoot } from '../engine/paths';
import { readModelCard } from '../semimoe/model-card';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'semimoe-simulate-'));
  await writeSyntheticGlasFolder(path.join(dir, 'data'), 6, 300, 240);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));


describe('semimoe simulate', () => {
  it(
    'retrains each round and prints validation Dice per round (uncertainty strategy)',
    async () => {
      const work = path.join(dir, 'work');
      const args = ['--data', path.join(dir, 'data'), '--rounds', '2', '--fields-per-round', '1', '--steps-per-round', '1', '--validation', '1'];
      const { code, stdout, stderr } = await runCaptured(simulateCommand, [...args, '--strategy', 'uncertainty', '--backend', 'wasm', '--seed', '2', '--work', work, '--json']);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout) as { strategy: string; pool: number; validation: number; rounds: { round: number; labelledFields: number; dice: number; steps: number; picked: string[] }[] };
      expect(result).toMatchObject({ strategy: 'uncertainty', pool: 5, validation: 1 });
      expect(result.rounds.map((r) => [r.round, r.labelledFields])).toEqual([
        [1, 1],
        [2, 2],
      ]);
      for (const r of result.rounds) {
        expect(r.steps).toBe(1);
        expect(r.dice).toBeGreaterThanOrEqual(0);
        expect(r.dice).toBeLessThanOrEqual(1);
      }
      expect(result.rounds[0].picked[0]).not.toBe(result.rounds[1].picked[0]);
      expect(stderr).toMatch(/round 2: scoring 4 pool fields/);
      expect(stderr).toMatch(/uncertainty round 2: 2 labelled fields, \d+ steps, validation Dice \d\.\d{4}/);
    },
    90_000,
  );

  it(
    'with --pretrain-steps, trains the starting model on the images outside pool and validation, scores it as round 0, and --restart-each-round trains every round from it',
    async () => {
      const work = path.join(dir, 'work-restart');
      const args = ['--data', path.join(dir, 'data'), '--rounds', '2', '--fields-per-round', '1', '--steps-per-round', '1', '--validation', '1', '--pool', '3'];
      const { code, stdout, stderr } = await runCaptured(simulateCommand, [...args, '--strategy', 'random', '--pretrain-steps', '2', '--restart-each-round', '--backend', 'wasm', '--work', work, '--json']);
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/round 0: pretraining on 2 images outside the pool and validation/);
      const result = JSON.parse(stdout) as { pool: number; rounds: { round: number; labelledFields: number; steps: number; dice: number }[] };
      expect(result.rounds.map((r) => [r.round, r.labelledFields, r.steps])).toEqual([
        [0, 0, 0],
        [1, 1, 1],
        [2, 2, 1],
      ]);
      const pretrained = path.join(work, 'pretrain', 'model');
      const card = await readModelCard(pretrained);
      expect(card?.training.steps).toBe(2);
      expect(card?.data.labelled).toBe(2);
      // Round 2 started from the pretrained model, not from round 1's.
      expect((await readModelCard(path.join(work, 'round-2', 'model')))?.training.initFrom).toBe(pretrained);
    },
    90_000,
  );

  it('refuses --pretrain-steps together with --init, and without images left to pretrain on', async () => {
    const args = ['--data', path.join(dir, 'data'), '--strategy', 'random', '--rounds', '1', '--fields-per-round', '1', '--pretrain-steps', '1', '--validation', '1'];
    const both = await runCaptured(simulateCommand, [...args, '--pool', '3', '--init', path.join(packageRoot(), 'resources/models/starter')]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/either a starting model \(--init\) or --pretrain-steps/);
    const noneLeft = await runCaptured(simulateCommand, args);
    expect(noneLeft.code).not.toBe(0);
    expect(noneLeft.stderr).toMatch(/needs images outside the validation set and the pool/);
  });

  it('refuses an unknown strategy', async () => {
    const { code, stderr } = await runCaptured(simulateCommand, ['--data', dir, '--strategy', 'best', '--rounds', '1', '--fields-per-round', '1']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--strategy: expected uncertainty or random/);
  });
});
