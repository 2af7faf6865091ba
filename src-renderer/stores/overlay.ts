import { defineStore } from 'pinia';
import { ref } from 'vue';

export type OverlayLayer = 'outlines' | 'probability' | 'uncertainty';

/** What is drawn over the slide: which layers, and how strongly the heat maps show. */
export const useOverlayStore = defineStore('overlay', () => {
  const outlines = ref(true);
  const probability = ref(false);
  const uncertainty = ref(false);
  /** Heat map opacity, 0..1. Outlines stay opaque: they must read over any heat map. */
  const heatmapOpacity = ref(0.5);

  function toggle(layer: OverlayLayer): void {
    if (layer === 'outlines') outlines.value = !outlines.value;
    else if (layer === 'probability') probability.value = !probability.value;
    else uncertainty.value = !uncertainty.value;
  }

  function setOpacity(value: number): void {
    heatmapOpacity.value = Math.min(1, Math.max(0, value));
  }

  return { outlines, probability, uncertainty, heatmapOpacity, toggle, setOpacity };
});
