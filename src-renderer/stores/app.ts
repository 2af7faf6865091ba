import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';

/** What the engine says about itself (app:info) and whether the window could reach it. */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const status = ref<'starting' | 'ready' | 'failed'>('starting');
  const error = ref<string | null>(null);

  const nativeDialogs = computed(() => info.value?.nativeDialogs ?? false);
  const mode = computed(() => info.value?.mode ?? null);

  async function load(): Promise<AppInfo | null> {
    status.value = 'starting';
    error.value = null;
    try {
      info.value = await useApi().app.info({});
      status.value = 'ready';
      return info.value;
    } catch (e) {
      status.value = 'failed';
      error.value = errorMessage(e);
      return null;
    }
  }

  return { info, status, error, nativeDialogs, mode, load };
});
