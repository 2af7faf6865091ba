/**
 * The `semimoe` command line: stable and scriptable. Results are JSON on stdout, messages and
 * progress on stderr, and a non-zero exit code on failure. Each command lives in its own
 * module under cli/ and is loaded only when used, so `semimoe info` never loads tfjs.
 */
type CommandModule = { run(argv: string[]): Promise<number> };

const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  serve: { summary: 'serve the app to a browser on 127.0.0.1 (web mode)', load: () => import('./cli/serve') },
  info: { summary: 'print a slide\'s metadata as JSON', load: () => import('./cli/info') },
  tile: { summary: 'write a region of a slide to a PNG (OpenSlide read_region semantics)', load: () => import('./cli/tile') },
  train: { summary: 'train a Semi-MoE model on a GlaS-layout folder', load: () => import('./cli/train') },
  retrain: { summary: 'fine-tune a project\'s active model on its done fields (a new, inactive version)', load: () => import('./cli/retrain') },
  simulate: { summary: 'compare the active-learning queue with random choice on a GlaS folder', load: () => import('./cli/simulate') },
  eval: { summary: 'evaluate a model: pixel and GlaS object metrics', load: () => import('./cli/eval') },
  predict: { summary: 'predict glands on an image: mask PNG and/or GeoJSON', load: () => import('./cli/predict') },
  export: { summary: 'export a slide\'s glands from a project: QuPath GeoJSON and/or a label mask', load: () => import('./cli/export') },
  import: { summary: 'import QuPath GeoJSON glands into a project (all or nothing, one undo step)', load: () => import('./cli/import') },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: semimoe <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "semimoe <command> --help" for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`semimoe: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'internal';
    process.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
    return 1;
  }
}
