/**
 * Crash safety: a child process applies random edits and acknowledges each one after apply()
 * returns; it is killed with SIGKILL at random moments, many times, on the same project. After
 * each kill the project is reopened: the database must pass integrity_check, and every
 * acknowledged edit must be there. The one step that was in flight may or may not have landed
 * (both are correct), so only the glands it could touch are allowed to differ from the model.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { geometryHash } from './crash-support';
import { AnnotationStore } from './store';
import { TEST_SLIDE, openTestProject, tempProjectDir } from './test-support';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const ROUNDS = 15;

interface Expected {
  status: string;
  hash: string;
}
type Line = { ready: true } | { try: number; targets: string[] } | { ack: number; changed: ({ id: string } & Expected)[]; removed: string[] };

const tmp = tempProjectDir('semimoe-crash-');
afterAll(() => tmp.remove());

/** Runs the child until it has been up for `killAfterMs`, kills it with SIGKILL, returns its lines. */
function runAndKill(seed: number, killAfterMs: number): Promise<{ lines: Line[]; killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD, tmp.dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // The clock starts when the child is ready, so every kill lands among the edits.
      if (!timer && stdout.includes('"ready"')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (timer) clearTimeout(timer);
      // A partial last line is the kill landing mid-write: not an ack.
      const lines = stdout
        .split('\n')
        .filter((line) => line.endsWith('}'))
        .map((line) => JSON.parse(line) as Line);
      resolve({ lines, killed: signal === 'SIGKILL', stderr });
    });
  });
}

describe('crash safety', () => {
  it(`keeps every acknowledged edit across ${ROUNDS} SIGKILLs`, async () => {
    openTestProject(tmp.dir).close(); // create the project and slide before the first child
    const model = new Map<string, Expected | null>(); // null: deleted
    let acked = 0;
    let inFlightRounds = 0;
    const started = performance.now();
    for (let round = 0; round < ROUNDS; round++) {
      const seed = 1000 + round;
      const { lines, killed, stderr } = await runAndKill(seed, 30 + ((round * 7919) % 400));
      expect(killed, `round ${round} (seed ${seed}) ended before the kill: ${stderr}`).toBe(true);

      let pending: { n: number; targets: Set<string> } | null = null;
      for (const line of lines) {
        if ('try' in line) pending = { n: line.try, targets: new Set(line.targets) };
        else if ('ack' in line) {
          expect(pending?.n).toBe(line.ack);
          pending = null;
          acked++;
          for (const gland of line.changed) model.set(gland.id, { status: gland.status, hash: gland.hash });
          for (const id of line.removed) model.set(id, null);
        }
      }
      if (pending) inFlightRounds++;

      const project = openTestProject(tmp.dir);
      try {
        expect(project.db.pragma('integrity_check', { simple: true }), `round ${round}`).toBe('ok');
        const store = new AnnotationStore(project.db);
        const actual = (id: string): Expected | null => {
          const gland = store.get(id);
          return gland && { status: gland.status, hash: geometryHash(gland.polygons) };
        };
        for (const [id, expected] of model) {
          if (pending?.targets.has(id)) continue; // the in-flight step may have changed it
          expect(actual(id), `round ${round} (seed ${seed}): gland ${id}`).toEqual(expected);
        }
        const unknown = store.all(TEST_SLIDE).filter((g) => !model.has(g.id));
        // Only the in-flight step can have added glands nobody acknowledged.
        if (!pending) expect(unknown.map((g) => g.id), `round ${round}: unacknowledged glands`).toEqual([]);
        // Continue from what the database holds for the glands the in-flight step touched.
        for (const id of [...(pending?.targets ?? []), ...unknown.map((g) => g.id)]) model.set(id, actual(id));
      } finally {
        project.close();
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`crash test: ${ROUNDS} kills, ${acked} acknowledged edits checked, ${inFlightRounds} kills with a step in flight, ${seconds.toFixed(1)} s`);
    expect(acked).toBeGreaterThan(ROUNDS * 5);
  }, 120_000);
});
