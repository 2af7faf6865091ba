/// <reference types="vite/client" />
import type { StudioApi } from '../src-main/api/contract';
import type OpenSeadragon from 'openseadragon';

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}

declare global {
  interface Window {
    /**
     * The Electron preload bridge (src-main/app/preload.ts). Absent in a plain browser (web
     * mode), which is how the client chooses its transport.
     */
    studio?: StudioApi & { pathForFile(file: File): string };
    /**
     * The OpenSeadragon viewer, exposed for end-to-end tests only (they read its zoom and
     * viewport and its drawer's canvas). Application code never reads it.
     */
    __studioViewer?: OpenSeadragon.Viewer;
  }
}

export {};
