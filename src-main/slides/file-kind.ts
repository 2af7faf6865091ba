/**
 * What a file is, from its first bytes, in words a pathologist recognises. Used to explain why a
 * file cannot be opened ("This file is a PNG image renamed .svs") rather than just refusing it.
 */
import { extname } from 'node:path';

export type FileKind = 'tiff' | 'png' | 'jpeg' | 'bmp' | 'gif' | 'webp' | 'zip' | 'pdf' | 'sqlite' | 'unknown';

const KIND_DESCRIPTIONS: Record<FileKind, string> = {
  tiff: 'a TIFF image',
  png: 'a PNG image',
  jpeg: 'a JPEG image',
  bmp: 'a BMP image',
  gif: 'a GIF image',
  webp: 'a WebP image',
  zip: 'a ZIP archive',
  pdf: 'a PDF document',
  sqlite: 'an SQLite database',
  unknown: 'not an image format Semi-MoE Studio knows',
};

/** Extensions of whole-slide formats; an ordinary image carrying one of these was renamed. */
export const SLIDE_EXTENSIONS: ReadonlySet<string> = new Set(['.svs', '.ndpi', '.mrxs', '.scn', '.bif', '.vms', '.vmu', '.svslide', '.czi', '.isyntax']);

export function sniffFileKind(head: Buffer): FileKind {
  const ascii = head.toString('latin1', 0, Math.min(head.length, 16));
  if (ascii.startsWith('II*\0') || ascii.startsWith('MM\0*') || ascii.startsWith('II+\0') || ascii.startsWith('MM\0+')) return 'tiff';
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (ascii.startsWith('BM') && head.length >= 26) return 'bmp';
  if (ascii.startsWith('GIF87a') || ascii.startsWith('GIF89a')) return 'gif';
  if (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') return 'webp';
  if (ascii.startsWith('PK\x03\x04')) return 'zip';
  if (ascii.startsWith('%PDF')) return 'pdf';
  if (ascii.startsWith('SQLite format 3')) return 'sqlite';
  return 'unknown';
}

export function describeFileKind(kind: FileKind): string {
  return KIND_DESCRIPTIONS[kind];
}

/** Lower-case extension with its dot ('.svs'), or '' when the name has none. */
export function extensionOf(path: string): string {
  return extname(path).toLowerCase();
}

/** "This file is a PNG image renamed .svs", when the name promises a slide the content is not. */
export function renamedImageMessage(path: string, kind: FileKind): string | null {
  const ext = extensionOf(path);
  if (!SLIDE_EXTENSIONS.has(ext) || kind === 'tiff' || kind === 'unknown' || kind === 'sqlite' || kind === 'zip') return null;
  return `This file is ${describeFileKind(kind)} renamed ${ext}, not a whole-slide image`;
}
