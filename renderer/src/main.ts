import { createApp } from 'vue';
import { createPinia } from 'pinia';
import type { SdeStudioApi } from '../../preload/api';
import { apiUrlFromLocation, createWsApi } from '../../preload/ws-client';
import { installApi, messageOf } from './api/host';
import { useNoticesStore } from './stores/notices';
import App from './App.vue';
import './styles.css';

// Electron's preload exposes the API; a page served by `npm run serve` talks to the same API over
// the WebSocket whose token is in the page's address.
const exposed = (window as Window & { sdeStudio?: SdeStudioApi }).sdeStudio;
installApi(exposed ?? createWsApi(apiUrlFromLocation(window.location)));

const pinia = createPinia();
const app = createApp(App).use(pinia);
// Last resort for errors outside every ErrorBoundary (event handlers, the top bar): say so.
app.config.errorHandler = (err) => {
  useNoticesStore(pinia).error('Something went wrong', messageOf(err));
  console.error(err);
};
app.mount('#app');
