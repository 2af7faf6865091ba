/**
 * The main-process side of the trainer: starts the trainer process, validates and dispatches
 * what it says, cancels it (politely, then by SIGKILL), and turns a crash or an outside kill
 * into an error saying how the process ended.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  parseChildMessage,
  parseTrainJob,
  type CheckpointMessage,
  type ChildMessage,
  type ProgressUpdate,
  type TrainJob,
} from './protocol';

export interface TrainerError {
  message: string;
  stack?: string;
  /** True when the process died without reporting (crash, outside kill). */
  crashed: boolean;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** cancel() was called for this run. */
  cancelled: boolean;
}

export type TrainerOutcome =
  | { status: 'done'; result: unknown }
  | { status: 'cancelled'; result?: unknown }
  | { status: 'failed'; error: TrainerError };

export interface TrainerEvents {
  progress: ProgressUpdate;
  checkpoint: Omit<CheckpointMessage, 'type'>;
  done: unknown;
  error: TrainerError;
  log: string;
  exit: TrainerExit;
}

export type TrainerHandlers = { [K in keyof TrainerEvents as `on${Capitalize<K>}`]?: (value: TrainerEvents[K]) => void };

export interface TrainerHostOptions {
  /** The child entry file; default: resolveTrainerEntry(). */
  entry?: string;
  /** Node flags for the child; default: what the entry needs (tsx for .ts sources). */
  execArgv?: string[];
  /** After cancel(), how long the child may take to stop before SIGKILL. */
  cancelTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

const STDERR_TAIL_CHARS = 2000;

/**
 * Where the child entry is: child.ts next to this file when running from sources (run it
 * with tsx), else child.js / trainer-child.js next to this file or bundle. The
 * SEMIMOE_TRAINER_ENTRY environment variable overrides both.
 */
export function resolveTrainerEntry(): { entry: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  const fromEnv = process.env.SEMIMOE_TRAINER_ENTRY;
  const names = here.endsWith('.ts') ? ['child.ts'] : ['child.js', 'child.mjs', 'trainer-child.js', 'trainer-child.mjs'];
  const entry = fromEnv ? path.resolve(fromEnv) : names.map((name) => path.join(dir, name)).find((file) => existsSync(file));
  if (!entry || !existsSync(entry)) {
    throw new Error(`trainer entry not found (looked for ${fromEnv ?? names.join(', ')} in ${dir})`);
  }
  if (!/\.[cm]?ts$/.test(entry)) return { entry, execArgv: [] };
  // TypeScript sources run under tsx's loader, given by absolute URL so the child's cwd does not matter.
  let tsx: string;
  try {
    tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    throw new Error(`the trainer entry ${entry} is TypeScript but tsx is not installed`);
  }
  return { entry, execArgv: ['--import', tsx] };
}

type Listener<K extends keyof TrainerEvents> = (value: TrainerEvents[K]) => void;

export class TrainerHost {
  private child: ChildProcess | null = null;
  private readonly listeners: { [K in keyof TrainerEvents]: Set<Listener<K>> } = {
    progress: new Set(),
    checkpoint: new Set(),
    done: new Set(),
    error: new Set(),
    log: new Set(),
    exit: new Set(),
  };
  private cancelRequested = false;
  private killTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: TrainerHostOptions = {}) {}

  get running(): boolean {
    return this.child !== null;
  }

  /** The trainer process id while one runs (for monitoring). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  onProgress(fn: Listener<'progress'>) {
    return this.on('progress', fn);
  }
  onCheckpoint(fn: Listener<'checkpoint'>) {
    return this.on('checkpoint', fn);
  }
  onDone(fn: Listener<'done'>) {
    return this.on('done', fn);
  }
  onError(fn: Listener<'error'>) {
    return this.on('error', fn);
  }
  onLog(fn: Listener<'log'>) {
    return this.on('log', fn);
  }
  onExit(fn: Listener<'exit'>) {
    return this.on('exit', fn);
  }

  /**
   * Starts a trainer process for `job`. Resolves when that process has exited, with how the
   * job ended; never rejects for the job's own failures (those are outcomes, and onError).
   */
  start(job: TrainJob, handlers: TrainerHandlers = {}): Promise<TrainerOutcome> {
    if (this.child) return Promise.reject(new Error('the trainer is already running a job'));
    let child: ChildProcess;
    try {
      const checkedJob = parseTrainJob(job);
      const { entry, execArgv } = this.options.entry
        ? { entry: this.options.entry, execArgv: this.options.execArgv ?? [] }
        : resolveTrainerEntry();
      child = fork(entry, [], {
        execArgv: this.options.execArgv ?? execArgv,
        env: { ...process.env, ...this.options.env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      child.send({ type: 'start', job: checkedJob });
    } catch (error) {
      return Promise.reject(error);
    }
    const unsubscribe = this.subscribe(handlers);
    this.cancelRequested = false;
    this.child = child;
    let stderrTail = '';
    let ending: TrainerOutcome | null = null;

    const forwardLines = (stream: NodeJS.ReadableStream | null, keepTail: boolean) => {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        if (keepTail) stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.emit('log', line.length > 500 ? `${line.slice(0, 500)}...` : line);
      });
    };
    forwardLines(child.stdout, false);
    forwardLines(child.stderr, true);

    child.on('message', (raw) => {
      let message: ChildMessage;
      try {
        message = parseChildMessage(raw);
      } catch (error) {
        this.emit('log', `trainer sent an invalid message: ${(error as Error).message}`);
        return;
      }
      switch (message.type) {
        case 'progress': {
          const { type: _type, ...update } = message;
          this.emit('progress', update);
          break;
        }
        case 'checkpoint':
          this.emit('checkpoint', { path: message.path, step: message.step });
          break;
        case 'log':
          this.emit('log', message.message);
          break;
        case 'done':
          ending = this.cancelRequested ? { status: 'cancelled', result: message.result } : { status: 'done', result: message.result };
          this.emit('done', message.result);
          break;
        case 'error': {
          const error = { message: message.message, stack: message.stack, crashed: false };
          ending = { status: 'failed', error };
          this.emit('error', error);
          break;
        }
      }
    });

    return new Promise((resolve) => {
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        if (this.killTimer) clearTimeout(this.killTimer);
        this.killTimer = null;
        this.child = null;
        if (!ending) {
          if (this.cancelRequested) {
            ending = { status: 'cancelled' };
          } else {
            const error = { message: describeDeath(code, signal, stderrTail), crashed: true };
            ending = { status: 'failed', error };
            this.emit('error', error);
          }
        }
        this.emit('exit', { code, signal, cancelled: this.cancelRequested });
        unsubscribe();
        resolve(ending);
      };
      // 'close', not 'exit': it comes after the output streams and the IPC channel have
      // drained, so the last message and the last stderr lines are in before the verdict.
      child.on('close', (code, signal) => settle(code, signal));
      child.on('error', (error) => {
        // Spawn failure: no 'exit' will follow.
        if (child.pid === undefined) {
          ending = { status: 'failed', error: { message: `could not start the trainer process: ${error.message}`, crashed: true } };
          this.emit('error', ending.error);
          settle(null, null);
        } else {
          this.emit('log', `trainer process error: ${error.message}`);
        }
      });
    });
  }

  /**
   * Asks the running job to stop; if the process has not exited after cancelTimeoutMs
   * (a job stuck in a long synchronous step cannot even read the request), kills it.
   */
  cancel(): void {
    const child = this.child;
    if (!child || this.cancelRequested) return;
    this.cancelRequested = true;
    if (child.connected) child.send({ type: 'cancel' });
    this.killTimer = setTimeout(() => {
      if (this.child === child) child.kill('SIGKILL');
    }, this.options.cancelTimeoutMs ?? 5000);
  }

  private on<K extends keyof TrainerEvents>(event: K, fn: Listener<K>): () => void {
    this.listeners[event].add(fn);
    return () => this.listeners[event].delete(fn);
  }

  private subscribe(handlers: TrainerHandlers): () => void {
    const offs = [
      handlers.onProgress && this.onProgress(handlers.onProgress),
      handlers.onCheckpoint && this.onCheckpoint(handlers.onCheckpoint),
      handlers.onDone && this.onDone(handlers.onDone),
      handlers.onError && this.onError(handlers.onError),
      handlers.onLog && this.onLog(handlers.onLog),
      handlers.onExit && this.onExit(handlers.onExit),
    ];
    return () => offs.forEach((off) => off?.());
  }

  private emit<K extends keyof TrainerEvents>(event: K, value: TrainerEvents[K]): void {
    for (const fn of this.listeners[event]) {
      try {
        fn(value);
      } catch (error) {
        // A failing listener must not break the others or the host.
        console.error(`trainer ${event} listener failed:`, error);
      }
    }
  }
}

function describeDeath(code: number | null, signal: NodeJS.Signals | null, stderrTail: string): string {
  const how = signal
    ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory, or killed from outside)' : ''}`
    : `exited with code ${code} without finishing its job`;
  const lastLines = stderrTail
    .split('\n')
    .map((line) => (line.length > 300 ? `${line.slice(0, 300)}...` : line))
    .filter((line) => line.trim())
    .slice(-5)
    .join('\n');
  return `the trainer process ${how}${lastLines ? `; its last output:\n${lastLines}` : ''}`;
}
