import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

/** Bytes hashed from each of the start, middle and end of a file. */
const SAMPLE_BYTES = 256 * 1024;

export interface FileFingerprint {
  fingerprint: string;
  size: number;
  mtimeMs: number;
}

/**
 * A content fingerprint cheap enough for multi-gigabyte slides: sha-256 over the file size and
 * three sampled windows (start, middle, end). Slide headers, tile offsets and the last tiles
 * all land in these windows, so a re-scan, a re-compression or a truncation changes it, while
 * a plain move or copy keeps it.
 */
export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  const info = await stat(path);
  const hash = createHash('sha256');
  hash.update(`size:${info.size};`);
  const handle = await open(path, 'r');
  try {
    const offsets = new Set([0, Math.max(0, Math.floor(info.size / 2) - SAMPLE_BYTES / 2), Math.max(0, info.size - SAMPLE_BYTES)]);
    const buffer = Buffer.alloc(SAMPLE_BYTES);
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      const { bytesRead } = await handle.read(buffer, 0, SAMPLE_BYTES, offset);
      hash.update(`@${offset};`);
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return { fingerprint: hash.digest('hex'), size: info.size, mtimeMs: info.mtimeMs };
}
