/**
 * Test helper: runs a `semimoe` command in this process with stdout and stderr captured,
 * so CLI tests check exit codes and printed text without spawning a process.
 */
import { vi } from 'vitest';

export interface CapturedRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCaptured(command: (argv: string[]) => Promise<number>, argv: string[]): Promise<CapturedRun> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await command(argv), stdout, stderr };
  } finally {
    vi.restoreAllMocks();
  }
}
