import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverDirWrite } from './atomic-write';
import { TrainerHost, type TrainerError, type TrainerExit } from './host';
import type { ProgressUpdate } from './protocol';
import { SELFTEST_MANIFEST } from './selftest-job';

// Each test starts a real trainer process (tsx + tfjs + the wasm backend): seconds apiece.
const TIMEOUT = 90_000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'trainer-host-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function selftest(params: Record<string, unknown>) {
  return { kind: 'selftest', params: { backend: 'wasm', size: 8, width: 2, ...params } };
}

async function manifestStep(dir: string): Promise<number> {
  const manifest = JSON.parse(await readFile(path.join(dir, SELFTEST_MANIFEST), 'utf8')) as { step: number; files: string[] };
  // Complete means: the manifest's files are exactly what is there.
  expect((await readdir(dir)).sort()).toEqual([...manifest.files, SELFTEST_MANIFEST].sort());
  return manifest.step;
}

describe('TrainerHost', () => {
  it(
    'runs a job in its own process: progress, checkpoint, done',
    async () => {
      const host = new TrainerHost();
      const progress: ProgressUpdate[] = [];
      const checkpoints: unknown[] = [];
      let exit: TrainerExit | undefined;
      const outDir = path.join(root, 'model');
      const outcome = await host.start(selftest({ steps: 3, outDir }), {
        onProgress: (p) => progress.push(p),
        onCheckpoint: (c) => checkpoints.push(c),
        onExit: (e) => (exit = e),
      });
      expect(outcome.status).toBe('done');
      expect(progress.map((p) => p.step)).toEqual([1, 2, 3]);
      expect(progress[0]).toMatchObject({ totalSteps: 3, weights: {}, backend: expect.stringMatching(/^wasm \(/) });
      expect(Number.isFinite(progress[2].losses.total)).toBe(true);
      expect(checkpoints).toEqual([{ path: outDir, step: 3 }]);
      expect(await manifestStep(outDir)).toBe(3);
      expect(exit).toEqual({ code: 0, signal: null, cancelled: false });
      expect(host.running).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'cancels a job before it has started a step',
    async () => {
      const host = new TrainerHost({ cancelTimeoutMs: 60_000 }); // no kill: the graceful path
      let exit: TrainerExit | undefined;
      const outcome = host.start(selftest({ steps: 1000 }), { onExit: (e) => (exit = e) });
      host.cancel(); // the 'cancel' queues behind 'start' before the child has even loaded
      const result = await outcome;
      expect(result.status).toBe('cancelled');
      // Depending on when it arrived: before the job started (null) or before its first step.
      const steps = (result as { result: { steps: number } | null }).result?.steps ?? 0;
      expect(steps).toBe(0);
      expect(exit).toEqual({ code: 0, signal: null, cancelled: true });
    },
    TIMEOUT,
  );

  it(
    'cancels a running job between steps',
    async () => {
      const host = new TrainerHost();
      let exit: TrainerExit | undefined;
      host.onProgress((p) => {
        if (p.step === 2) host.cancel();
      });
      const outcome = await host.start(selftest({ steps: 1000, stepDelayMs: 20 }), { onExit: (e) => (exit = e) });
      expect(outcome.status).toBe('cancelled');
      const steps = (outcome as { result: { steps: number } }).result.steps;
      expect(steps).toBeGreaterThanOrEqual(2);
      expect(steps).toBeLessThan(1000);
      expect(exit).toEqual({ code: 0, signal: null, cancelled: true });
    },
    TIMEOUT,
  );

  it(
    'kills a job that cannot hear the cancel, after the timeout',
    async () => {
      const host = new TrainerHost({ cancelTimeoutMs: 300 });
      const errors: TrainerError[] = [];
      let exit: TrainerExit | undefined;
      // 200 ms after a step's report the child is inside the next step's 2 s block.
      host.onProgress(() => setTimeout(() => host.cancel(), 200));
      const outcome = await host.start(selftest({ steps: 1000, blockMs: 2000 }), { onError: (e) => errors.push(e), onExit: (e) => (exit = e) });
      expect(outcome).toEqual({ status: 'cancelled' });
      expect(exit).toEqual({ code: null, signal: 'SIGKILL', cancelled: true });
      expect(errors).toEqual([]); // we stopped it: not a crash
    },
    TIMEOUT,
  );

  it(
    'reports a process killed from outside mid-run as a crash',
    async () => {
      const host = new TrainerHost();
      const errors: TrainerError[] = [];
      host.onProgress((p) => {
        if (p.step === 1) process.kill(host.pid!, 'SIGKILL');
      });
      const outcome = await host.start(selftest({ steps: 1000, stepDelayMs: 20 }), { onError: (e) => errors.push(e) });
      expect(outcome.status).toBe('failed');
      expect(errors).toHaveLength(1);
      expect(errors[0].crashed).toBe(true);
      expect(errors[0].message).toMatch(/^the trainer process was killed by SIGKILL/);
    },
    TIMEOUT,
  );

  it(
    'never leaves a partial model directory when killed while writing it',
    async () => {
      const outDir = path.join(root, 'model'); // holds the complete 3-step model of the first test
      const before = await manifestStep(outDir);
      const host = new TrainerHost();
      host.onLog((line) => {
        if (line === 'writing model directory') setTimeout(() => process.kill(host.pid!, 'SIGKILL'), 150);
      });
      const outcome = await host.start(selftest({ steps: 5, outDir, writeDelayMs: 100 }));
      expect(outcome.status).toBe('failed');
      expect(await manifestStep(outDir)).toBe(before); // still the old, complete version
      expect((await readdir(root)).some((name) => name.startsWith('.model.tmp-'))).toBe(true);
      await recoverDirWrite(outDir); // the next writer cleans up after the dead one
      expect(await readdir(root)).toEqual(['model']);
    },
    TIMEOUT,
  );

  it(
    'reports a job kind nobody registered',
    async () => {
      const outcome = await new TrainerHost().start({ kind: 'nope' });
      expect(outcome).toEqual({
        status: 'failed',
        error: expect.objectContaining({ message: "unknown job kind 'nope' (known: predict-region, retrain, selftest, train)", crashed: false }),
      });
    },
    TIMEOUT,
  );

  it('reports a process that exits without finishing, with its last output', async () => {
    const entry = path.join(root, 'exits.mjs');
    await writeFile(entry, "process.stderr.write('out of cheese\\n'); process.exit(3);\n");
    const outcome = await new TrainerHost({ entry }).start({ kind: 'selftest' });
    expect(outcome).toEqual({
      status: 'failed',
      error: { message: 'the trainer process exited with code 3 without finishing its job; its last output:\nout of cheese', crashed: true },
    });
  });
});
