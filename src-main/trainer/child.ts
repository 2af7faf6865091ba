/**
 * Entry point of the trainer process (started by TrainerHost with an IPC channel).
 *
 * One job per process: wait for 'start', run the job's runner, send 'done' or 'error', exit.
 * 'cancel' aborts the job's signal; the runner stops at its next step. If the parent goes
 * away the job is cancelled too, so no orphan keeps training.
 */
import { findJobRunner, type JobContext } from './jobs';
import { parseParentMessage, type ChildMessage, type TrainJob } from './protocol';

const EXIT_GRACE_MS = 1000;

const controller = new AbortController();
let started = false;

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    // The callback fires once the message is handed to the channel (or it failed).
    process.send(message, undefined, {}, () => resolve());
  });
}

function errorMessage(error: unknown): ChildMessage {
  if (error instanceof Error) return { type: 'error', message: error.message || error.name, stack: error.stack };
  return { type: 'error', message: String(error) };
}

/** Lets pending output drain and the loop empty; forces the exit if something holds it open. */
function finish(code: number): void {
  process.exitCode = code;
  if (process.connected) process.disconnect();
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

async function run(job: TrainJob): Promise<void> {
  const ctx: JobContext = {
    signal: controller.signal,
    cancelled: () => controller.signal.aborted,
    progress: (update) => void send({ type: 'progress', ...update }),
    checkpoint: (path, step) => void send({ type: 'checkpoint', path, step }),
    log: (message) => void send({ type: 'log', message }),
  };
  try {
    const runner = await findJobRunner(job.kind);
    // Cancelled while the runner's code was loading (seconds): do not start it at all.
    const result = controller.signal.aborted ? null : await runner(job, ctx);
    await send({ type: 'done', result: result ?? null });
    finish(0);
  } catch (error) {
    await send(errorMessage(error));
    finish(1);
  }
}

if (!process.send) {
  console.error('src-main/trainer/child is started by TrainerHost: it needs an IPC channel');
  process.exit(2);
}

process.on('message', (raw) => {
  let message;
  try {
    message = parseParentMessage(raw);
  } catch (error) {
    void send({ type: 'log', message: `ignored: ${(error as Error).message}` });
    return;
  }
  if (message.type === 'cancel') {
    controller.abort();
  } else if (!started) {
    started = true;
    void run(message.job);
  } else {
    void send({ type: 'log', message: 'ignored a second start: the trainer process runs one job' });
  }
});

process.on('disconnect', () => {
  controller.abort();
  // A job that honours its signal ends well before this; one that does not is stopped here.
  setTimeout(() => process.exit(process.exitCode ?? 0), 10 * EXIT_GRACE_MS).unref();
});

// Report what escaped the runner before dying, so the parent gets a message, not just a code.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (error: unknown) => {
    void send(errorMessage(error)).finally(() => process.exit(1));
  });
}
