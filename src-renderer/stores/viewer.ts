import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { Region } from '../../src-main/api/contract';
import { imageZoomForMagnification, magnificationForImageZoom } from '../lib/magnification';
import { useSlideStore } from './slides';

/** What the viewer component lets the rest of the app ask of it. */
export interface ViewerController {
  /** Zoom so the screen shows `imageZoom` CSS pixels per level-0 pixel, about the centre. */
  zoomToImageZoom(imageZoom: number): void;
  /** The whole slide in view. */
  fit(): void;
  /** Fits a level-0 rectangle (a review field) in view. */
  fitRegion(region: Region): void;
}

/**
 * The view of the current slide: its zoom as OpenSeadragon reports it, and the magnification
 * that means to a pathologist. The toolbar drives the view through the controller the viewer
 * component registers.
 */
export const useViewerStore = defineStore('viewer', () => {
  /** Screen CSS pixels per level-0 pixel; 0 until a slide is drawn. */
  const imageZoom = ref(0);
  /** Width of the viewer on screen, CSS pixels. */
  const viewportWidthPx = ref(0);
  const controller = shallowRef<ViewerController | null>(null);
  /**
   * The level-0 rectangle on screen, once the view settles (not every animation frame: stores
   * that fetch by it would otherwise chase the animation). Null without a slide.
   */
  const viewRegion = ref<Region | null>(null);

  const magnification = computed(() => magnificationForImageZoom(imageZoom.value, useSlideStore().current?.objectivePower));

  function attach(c: ViewerController): () => void {
    controller.value = markRaw(c);
    return () => {
      if (controller.value === c) controller.value = null;
    };
  }

  function report(zoom: number, widthPx: number): void {
    imageZoom.value = zoom;
    viewportWidthPx.value = widthPx;
  }

  function reportView(region: Region | null): void {
    viewRegion.value = region;
  }

  function fitRegion(region: Region): boolean {
    if (!controller.value) return false;
    controller.value.fitRegion(region);
    return true;
  }

  function zoomToMagnification(m: number): boolean {
    const objective = useSlideStore().current?.objectivePower;
    if (!controller.value || !objective) return false;
    controller.value.zoomToImageZoom(imageZoomForMagnification(m, objective));
    return true;
  }

  function fit(): void {
    controller.value?.fit();
  }

  return { imageZoom, viewportWidthPx, viewRegion, magnification, attach, report, reportView, zoomToMagnification, fit, fitRegion };
});
