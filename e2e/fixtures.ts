/**
 * The `studio` fixture: a running Semi-MoE Studio and a page showing it.
 *
 * Web mode: each test starts `node bin/semimoe.mjs serve` on a free port with a fresh project
 * folder, waits for the address it prints and for GET /api/health, and opens that address in
 * Chromium. Sharing nothing between tests keeps them independent of order (the app reopens the
 * most recent slide of a project on start). SEMIMOE_E2E_URL=http://... runs the specs against a
 * server that is already running instead (tests that need a fresh project are then skipped).
 *
 * Electron: the `studioMode: 'electron'` option is where `_electron.launch({ args: [root,
 * '--project', dir] })` will go, its first window being the page; the specs do not change.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StudioFixtureOptions {
  /** Which app the specs drive. Only 'web' is implemented (Electron needs its binary). */
  studioMode: 'web' | 'electron';
  /** Start the server with its generated sample slide as the default slide (fresh project). */
  studioSample: boolean;
}

export interface StudioServer {
  /** The address the server printed (with ?token= where it needs one). */
  url: string;
  origin: string;
  projectDir: string | null;
  /** Whether this test owns a fresh project (false against SEMIMOE_E2E_URL). */
  fresh: boolean;
  /** What the server wrote, for failure messages. */
  log(): string;
}

export interface Studio {
  page: Page;
  server: StudioServer;
  /** Calls the engine directly (POST /api/{channel}); for setting up and cross-checking. */
  call<T = unknown>(channel: string, request?: object): Promise<{ status: number; body: T }>;
}

const ROOT = join(import.meta.dirname, '..');
const START_TIMEOUT_MS = 120_000; // the first start generates the sample slide

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForHealth(origin: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`semimoe serve exited with ${child.exitCode}:\n${log()}`);
    try {
      const response = await fetch(`${origin}/api/health`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`semimoe serve did not answer ${origin}/api/health within ${START_TIMEOUT_MS / 1000} s:\n${log()}`);
}

async function startServer(sample: boolean): Promise<{ server: StudioServer; stop: () => Promise<void> }> {
  const projectDir = mkdtempSync(join(tmpdir(), 'semimoe-e2e-'));
  const port = await freePort();
  const args = ['bin/semimoe.mjs', 'serve', '--project', projectDir, '--port', String(port)];
  if (!sample) args.push('--no-sample');
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let printedUrl: string | null = null;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    printedUrl ??= /https?:\/\/\S+/.exec(output)?.[0] ?? null;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const log = () => output.slice(-4000);
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(projectDir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(origin, child, log);
  } catch (error) {
    await stop();
    throw error;
  }
  const url = printedUrl ?? `${origin}/`;
  return { server: { url, origin: new URL(url).origin, projectDir, fresh: true, log }, stop };
}

export const test = base.extend<StudioFixtureOptions & { studioServer: StudioServer; studio: Studio }>({
  studioMode: ['web', { option: true }],
  studioSample: [false, { option: true }],

  studioServer: async ({ studioSample }, use) => {
    const external = process.env.SEMIMOE_E2E_URL;
    if (external) {
      const url = new URL(external);
      await use({ url: url.toString(), origin: url.origin, projectDir: null, fresh: false, log: () => '' });
      return;
    }
    const { server, stop } = await startServer(studioSample);
    try {
      await use(server);
    } finally {
      await stop();
    }
  },

  studio: async ({ studioMode, studioServer, page }, use, testInfo) => {
    if (studioMode === 'electron') {
      test.skip(true, 'Electron end-to-end runs are not implemented yet (no Electron binary on this machine)');
      return;
    }
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const token = new URL(studioServer.url).searchParams.get('token');
    const call = async <T>(channel: string, request: object = {}) => {
      const response = await page.request.post(`${studioServer.origin}/api/${encodeURIComponent(channel)}`, {
        data: request,
        headers: token ? { 'x-studio-token': token } : {},
      });
      return { status: response.status(), body: (await response.json()) as T };
    };
    await page.goto(studioServer.url);
    await use({ page, server: studioServer, call });
    if (testInfo.status !== testInfo.expectedStatus && studioServer.fresh) {
      await testInfo.attach('semimoe-serve.log', { body: studioServer.log(), contentType: 'text/plain' });
    }
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };
