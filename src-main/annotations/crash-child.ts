/**
 * The process the crash test kills: opens a project and applies random gland edits forever.
 * Before each step it prints `{"try":n,"targets":[ids]}` (the glands the step may change; a
 * creation's new id is not known yet) and, once apply()/undo() has returned, an ack line
 * `{"ack":n,"changed":[{id,status,hash}],"removed":[ids]}`. Writes to a pipe are synchronous
 * on Linux, so every printed ack reaches the parent even when SIGKILL follows immediately.
 *
 *   node --import tsx crash-child.ts PROJECT_DIR SEED
 */
import type { Gland, GlandEdit } from '../api/contract';
import { AnnotationStore } from './store';
import { TEST_SLIDE, disc, openTestProject, square } from './test-support';
import { geometryHash } from './crash-support';

const [projectDir, seedText] = process.argv.slice(2);
let seed = Number(seedText) >>> 0 || 1;
/** xorshift32: reproducible from the seed the parent prints when a round fails. */
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4_294_967_296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const project = openTestProject(projectDir);
const store = new AnnotationStore(project.db);
const peekLastStep = project.db.prepare('SELECT changes FROM edits WHERE slide_id = ? AND undone = 0 ORDER BY seq DESC LIMIT 1').pluck();
const say = (line: unknown) => process.stdout.write(`${JSON.stringify(line)}\n`);

const summary = (gland: Gland) => ({ id: gland.id, status: gland.status, hash: geometryHash(gland.polygons) });

say({ ready: true });
for (let n = 0; ; n++) {
  const glands = store.all(TEST_SLIDE);
  const x = random() * 4000;
  const y = random() * 4000;
  const roll = random();
  let edit: GlandEdit | 'undo';
  if (glands.length === 0 || roll < 0.3) edit = { kind: 'create', polygons: [random() < 0.5 ? square(x, y, 20 + random() * 60) : disc(x, y, 10 + random() * 40)] };
  else if (roll < 0.5) {
    const target = pick(glands);
    edit = { kind: 'brush-add', id: target.id, stroke: disc(target.bbox[2], target.bbox[3], 5 + random() * 15, 16) };
  } else if (roll < 0.6) {
    const target = pick(glands);
    edit = { kind: 'brush-erase', ids: [], stroke: disc(target.bbox[0], target.bbox[1], 5 + random() * 25, 16) };
  } else if (roll < 0.7) edit = { kind: 'set-status', ids: [pick(glands).id], status: random() < 0.5 ? 'accepted' : 'rejected' };
  else if (roll < 0.8 || glands.length > 150) edit = { kind: 'delete', ids: [pick(glands).id] };
  else if (roll < 0.9) edit = 'undo';
  else {
    const target = pick(glands);
    edit = { kind: 'reshape', id: target.id, polygons: [square(target.bbox[0], target.bbox[1], 10 + random() * 50)] };
  }

  let targets: string[];
  if (edit === 'undo') {
    const changes = peekLastStep.get(TEST_SLIDE) as string | undefined;
    targets = changes ? (JSON.parse(changes) as { id: string }[]).map((c) => c.id) : [];
  } else if (edit.kind === 'brush-erase') {
    // Every gland under the stroke may change.
    const [x0, y0, x1, y1] = [Math.min(...edit.stroke[0].map((p) => p[0])), Math.min(...edit.stroke[0].map((p) => p[1])), Math.max(...edit.stroke[0].map((p) => p[0])), Math.max(...edit.stroke[0].map((p) => p[1]))];
    targets = store.query(TEST_SLIDE, { x: x0, y: y0, width: x1 - x0, height: y1 - y0 }).map((g) => g.id);
  } else if ('ids' in edit) targets = edit.ids;
  else if ('id' in edit && edit.id) targets = [edit.id];
  else targets = [];

  say({ try: n, targets });
  const result = edit === 'undo' ? store.undo(TEST_SLIDE) : store.apply(TEST_SLIDE, edit);
  say({ ack: n, changed: result.changed.map(summary), removed: result.removed });
}
