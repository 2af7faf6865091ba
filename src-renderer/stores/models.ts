import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ModelVersionInfo } from '../../src-main/api/contract';
import { errorMessage } from '../api';
import { useApi } from '../composables/useApi';
import { useNoticeStore } from './notices';

/** The project's model versions (models:list), so the screen can say which one predicts. */
export const useModelStore = defineStore('models', () => {
  const versions = ref<ModelVersionInfo[]>([]);
  const status = ref<'idle' | 'loading' | 'ready' | 'failed'>('idle');

  const active = computed(() => versions.value.find((v) => v.active) ?? null);

  async function load(): Promise<void> {
    status.value = 'loading';
    try {
      versions.value = await useApi().models.list({});
      status.value = 'ready';
    } catch (e) {
      status.value = 'failed';
      useNoticeStore().error(errorMessage(e), 'Listing the model versions');
    }
  }

  return { versions, status, active, load };
});
