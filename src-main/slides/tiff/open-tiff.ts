/**
 * Opening TIFF-based slides: the file structure errors a reader can meet become 'corrupt-slide'
 * SlideErrors that name the file type and say what to do.
 */
import { SlideError, describeError } from '../errors';
import { TiffFile, TiffStructureError } from './tiff-file';

export async function openTiffOrThrow(path: string, kindName: string): Promise<TiffFile> {
  try {
    return await TiffFile.open(path);
  } catch (error) {
    throw asCorruptSlide(error, kindName);
  }
}

/** TiffStructureError -> corrupt-slide with advice; SlideErrors pass through; anything else is kept as the cause. */
export function asCorruptSlide(error: unknown, kindName: string): SlideError {
  if (error instanceof SlideError) return error;
  const detail = error instanceof TiffStructureError ? error.message : describeError(error);
  return new SlideError(
    'corrupt-slide',
    `This ${kindName} file is damaged or incomplete: ${detail}. If it was copied or downloaded, copy it again from the scanner or server.`,
    { cause: error },
  );
}

/** Runs `inspect` on an opened TIFF and always closes it: detect() must not leak handles. */
export async function withTiff<T>(path: string, inspect: (file: TiffFile) => Promise<T>): Promise<T> {
  const file = await TiffFile.open(path);
  try {
    return await inspect(file);
  } finally {
    await file.close();
  }
}
