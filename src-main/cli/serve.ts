import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isLoopbackHost, MIN_TOKEN_LENGTH, startHttpServer } from '../api/http';
import { defaultProjectDir, rendererDir } from '../engine/paths';
import { ensureSampleSlide } from '../engine/sample-slide';
import { StudioEngine } from '../engine/studio-engine';

const HELP = `Usage: semimoe serve [--project DIR] [--port N] [--host ADDR] [--token TOKEN] [--no-sample]

Serves Semi-MoE Studio to a browser (web mode). Listens on 127.0.0.1 unless --host says
otherwise; on any other address a token is required (one is generated if not given).
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      project: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      'no-sample': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`semimoe serve: --port must be an integer 0..65535, got "${values.port}"\n`);
    return 2;
  }
  const host = values.host;
  const token = values.token ?? (isLoopbackHost(host) ? null : randomBytes(18).toString('base64url'));
  // An explicit empty or short token on a reachable address would leave the door open.
  if (token !== null && token.length < MIN_TOKEN_LENGTH && !isLoopbackHost(host)) {
    process.stderr.write(`semimoe serve: --token must be at least ${MIN_TOKEN_LENGTH} characters when --host is not a loopback address\n`);
    return 2;
  }
  const projectDir = resolve(values.project ?? defaultProjectDir());
  const defaultSlidePath = values['no-sample'] ? null : await ensureSampleSlide();
  const engine = new StudioEngine({ projectDir, mode: 'web', defaultSlidePath });
  const running = await startHttpServer({ engine, host, port, token, staticDir: rendererDir() });
  process.stdout.write(`Semi-MoE Studio (web mode) is serving ${running.url}\nProject: ${projectDir}\n`);

  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  await engine.close();
  return 0;
}
