/**
 * The ordered list of slide readers and `openSlide`, the one way the app opens a slide.
 *
 * Order matters, as in OpenSlide's vendor table: specific formats first, generic last. Aperio
 * SVS goes through sharp; vendor formats through OpenSlide; any other tiled TIFF through sharp;
 * ordinary images last. The first reader whose detect() says yes opens the file; when none does,
 * the error says what the file is and why each reader refused it.
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { SlideError, describeError } from './errors';
import { describeFileKind, extensionOf, renamedImageMessage, sniffFileKind } from './file-kind';
import { aperioSvsFormat } from './formats/aperio-svs';
import { genericTiffFormat } from './formats/generic-tiff';
import { openslideFormat } from './formats/openslide';
import { plainImageFormat } from './formats/plain-image';
import { asCorruptSlide } from './tiff/open-tiff';
import { TiffFile } from './tiff/tiff-file';
import type { SlideFormat, SlideSource } from './types';

export const SLIDE_FORMATS: readonly SlideFormat[] = [aperioSvsFormat, openslideFormat, genericTiffFormat, plainImageFormat];

/** Bytes handed to detect(): enough for every signature the readers check. */
const HEAD_BYTES = 512;

export interface FormatChoice {
  format: SlideFormat | null;
  /** Why each reader before the chosen one (or every reader) said no. */
  refusals: { format: string; reason: string }[];
  head: Buffer;
}

/** Asks each reader in order; the first that says yes is chosen. Does not open the slide. */
export async function chooseFormat(path: string, formats: readonly SlideFormat[] = SLIDE_FORMATS): Promise<FormatChoice> {
  await checkIsReadableFile(path);
  const head = await readHead(path);
  const refusals: FormatChoice['refusals'] = [];
  for (const format of formats) {
    const verdict = await format.detect(path, head).catch((error: unknown) => ({ ok: false as const, reason: describeError(error) }));
    if (verdict.ok) return { format, refusals, head };
    refusals.push({ format: format.name, reason: verdict.reason });
  }
  return { format: null, refusals, head };
}

export async function openSlide(path: string, formats: readonly SlideFormat[] = SLIDE_FORMATS): Promise<SlideSource> {
  const { format, refusals, head } = await chooseFormat(path, formats);
  if (!format) throw await unreadableFileError(path, head, refusals);
  try {
    return await format.open(path);
  } catch (error) {
    if (error instanceof SlideError) throw error;
    throw new SlideError('corrupt-slide', `${basename(path)} could not be opened as ${format.name}: ${describeError(error)}`, { cause: error });
  }
}

/** Missing path -> not-found, directory or device -> not-a-file, 0 bytes -> empty-file. */
async function checkIsReadableFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SlideError('not-found', `There is no file at ${path}`);
    throw new SlideError('not-found', `${path} cannot be read (${code ?? describeError(error)})`);
  }
  if (info.isDirectory()) throw new SlideError('not-a-file', `${path} is a folder, not a slide file; choose a file inside it`);
  if (!info.isFile()) throw new SlideError('not-a-file', `${path} is not a regular file`);
  if (info.size === 0) throw new SlideError('empty-file', `${basename(path)} is empty (0 bytes); it may still be copying, or the copy failed`);
}

async function readHead(path: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SlideError('not-found', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? describeError(error)})`);
  }
  try {
    const head = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(head, 0, HEAD_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Why no reader took the file: a damaged TIFF is 'corrupt-slide' (the readers could not parse
 * it, it is not an unknown format); anything else is 'unsupported-format', led by what the file
 * actually is and followed by each reader's reason.
 */
async function unreadableFileError(path: string, head: Buffer, refusals: FormatChoice['refusals']): Promise<SlideError> {
  const kind = sniffFileKind(head);
  if (kind === 'tiff') {
    const structureError = await TiffFile.open(path).then(
      (file) => file.close().then(() => null),
      (error: unknown) => error,
    );
    if (structureError) return asCorruptSlide(structureError, extensionOf(path) === '.svs' ? 'SVS' : 'TIFF');
  }
  const lead =
    renamedImageMessage(path, kind) ??
    (kind === 'unknown'
      ? `${basename(path)} is not a slide or image format Semi-MoE Studio can read`
      : `${basename(path)} is ${describeFileKind(kind)}, which Semi-MoE Studio cannot read as a slide`);
  const reasons = refusals.map((r) => `${r.format}: ${r.reason}`).join('; ');
  return new SlideError('unsupported-format', `${lead}. (Readers tried: ${reasons})`);
}
