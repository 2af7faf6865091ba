import { generateSampleSlide } from '../slides/sample';
import { sampleDir } from './paths';

/**
 * The generated sample slide a new user sees first. Generated once into resources/sample/
 * (never committed); when that fails the app still starts, without a default slide.
 */
export async function ensureSampleSlide(): Promise<string | null> {
  try {
    const { slidePath } = await generateSampleSlide(sampleDir());
    return slidePath;
  } catch (error) {
    console.error(`Could not generate the sample slide: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}
