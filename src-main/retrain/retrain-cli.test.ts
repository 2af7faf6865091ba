/** `semimoe retrain` on a sample project: a real (tiny) run, activated with --activate. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingFinished } from '../api/contract';
import { run as retrainCommand } from '../cli/retrain';
import { StudioEngine } from '../engine/studio-engine';
import { sampleProject, type SampleProject } from './test-support';
import { runCaptured } from '../cli/test-support';

let project: SampleProject;
beforeAll(async () => {
  project = await sampleProject({ train: 1, validation: 1 });
  await project.engine.handle('models:list', {}); // the starter is registered and active
  await project.engine.close(); // the command opens the project itself
}, 60_000);
afterAll(async () => project?.remove());


describe('semimoe retrain', () => {
  it(
    'fine-tunes, prints both models\' metrics, and activates the new version with --activate',
    async () => {
      const { code, stdout, stderr } = await runCaptured(retrainCommand, ['--project', project.projectDir, '--budget', '2', '--backend', 'wasm', '--activate', '--json']);
      expect(code, stderr).toBe(0);
      const result = JSON.parse(stdout) as TrainingFinished;
      expect(result.status).toBe('done');
      expect(result.candidate).toMatchObject({ active: true, parentId: result.previous!.id });
      expect(stderr).toMatch(/backend wasm/);
      expect(stderr).toMatch(/new version v\S+ Dice \d\.\d{4}/);
      expect(stderr).toMatch(/previous +\S+ Dice \d\.\d{4}/);
      const engine = new StudioEngine({ projectDir: project.projectDir, mode: 'web' });
      try {
        expect(engine.models.active().id).toBe(result.candidate!.id);
      } finally {
        await engine.close();
      }
    },
    90_000,
  );

  it('says what is wrong with a folder that is not a project', async () => {
    const { code, stderr } = await runCaptured(retrainCommand, ['--project', project.root]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/is not a Semi-MoE Studio project/);
  });
});
