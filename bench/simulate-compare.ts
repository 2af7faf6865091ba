/**
 * Compares `semimoe simulate --json` results of the two strategies (issue 6): per seed and for
 * the curve averaged over seeds, the labelled fields the queue needs to reach each Dice that
 * random choice reached, and their ratio (goal: at most 2/3); then the Dice only the queue
 * reached, where the ratio is bounded by the random run's length.
 *
 *   npx tsx bench/simulate-compare.ts runs/*.json
 *
 * The runs of one seed must share rounds and fields per round (same --seed, --rounds,
 * --fields-per-round, --steps-per-round); the script says which files it paired.
 */
import { readFileSync } from 'node:fs';
import { beyondReference, compareCurves, type Curve, type ReachRow } from '../src-main/retrain/simulate-compare';
import type { RoundResult, SimulateResult } from '../src-main/retrain/simulate';

const files = process.argv.slice(2);
if (files.length < 2) {
  console.error('usage: tsx bench/simulate-compare.ts RESULT.json ... (uncertainty and random runs)');
  process.exit(2);
}
const runs = files.map((f) => ({ file: f, result: JSON.parse(readFileSync(f, 'utf8')) as SimulateResult }));
const seeds = [...new Set(runs.map((r) => r.result.seed))].sort((a, b) => a - b);

const fmt = (n: number | null, digits = 1) => (n === null ? 'never' : n.toFixed(digits));
const table = (rows: ReachRow[]) => {
  console.log('| random reached Dice | with fields | queue needs | ratio |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.target.toFixed(3)} | ${fmt(r.referenceFields)} | ${fmt(r.candidateFields)} | ${fmt(r.ratio, 2)} |`);
};
/** Both readings: the Dice random reached, then the ones only the queue reached. */
const tables = (queue: Curve, random: Curve) => {
  table(compareCurves(queue, random));
  const beyond = beyondReference(queue, random);
  if (beyond.length === 0) return;
  console.log('\n| queue reached Dice (random never did) | queue needs | random needs more than | ratio below |');
  console.log('|---|---|---|---|');
  for (const r of beyond) console.log(`| ${r.target.toFixed(3)} | ${fmt(r.candidateFields)} | ${r.referenceRunFields} | ${fmt(r.ratioBelow, 2)} |`);
};

const pairs: { seed: number; queue: readonly RoundResult[]; random: readonly RoundResult[] }[] = [];
for (const seed of seeds) {
  const queue = runs.find((r) => r.result.seed === seed && r.result.strategy === 'uncertainty');
  const random = runs.find((r) => r.result.seed === seed && r.result.strategy === 'random');
  if (!queue || !random) {
    console.log(`seed ${seed}: needs one uncertainty and one random run; skipped`);
    continue;
  }
  console.log(`\nseed ${seed}: ${queue.file} (queue) vs ${random.file} (random), ${queue.result.stepsPerRound ?? '-'} steps per round`);
  console.log(`Dice per round, queue:  ${queue.result.rounds.map((r) => fmt(r.dice, 3)).join(' ')}`);
  console.log(`Dice per round, random: ${random.result.rounds.map((r) => fmt(r.dice, 3)).join(' ')}`);
  tables(queue.result.rounds, random.result.rounds);
  pairs.push({ seed, queue: queue.result.rounds, random: random.result.rounds });
}

if (pairs.length > 1) {
  const rounds = Math.min(...pairs.flatMap((p) => [p.queue.length, p.random.length]));
  const mean = (key: 'queue' | 'random') =>
    Array.from({ length: rounds }, (_, i) => ({
      labelledFields: pairs[0][key][i].labelledFields,
      dice: pairs.reduce((s, p) => s + (p[key][i].dice ?? 0), 0) / pairs.length,
    }));
  console.log(`\nmean over seeds ${pairs.map((p) => p.seed).join(', ')}:`);
  console.log(`queue:  ${mean('queue').map((r) => r.dice.toFixed(3)).join(' ')}`);
  console.log(`random: ${mean('random').map((r) => r.dice.toFixed(3)).join(' ')}`);
  tables(mean('queue'), mean('random'));
}
