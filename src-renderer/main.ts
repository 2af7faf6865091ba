import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createStudioApi } from './api';
import { setApi } from './composables/useApi';
import './styles.css';

// The transport is chosen here, once: Electron's preload bridge where it exists, HTTP otherwise.
setApi(createStudioApi());
createApp(App).use(createPinia()).mount('#app');
