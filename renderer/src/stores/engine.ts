/**
 * What the host tells about itself: models, settings, engine status and capabilities. Loaded by
 * `load()` at start-up; `settings` changes only through `updateSettings` (the host answers with the
 * settings in force); `info` is refreshed on engine events and after settings change.
 */
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type {
  Capabilities,
  EngineEvent,
  EngineInfo,
  ModelInfo,
  Settings,
} from '../../../preload/api';
import { api, messageOf } from '../api/host';
import { useNoticesStore } from './notices';

export const useEngineStore = defineStore('engine', () => {
  const models = shallowRef<ModelInfo[]>([]);
  const settings = ref<Settings | null>(null);
  const info = ref<EngineInfo | null>(null);
  const capabilities = ref<Capabilities>({ host: 'browser', canSaveToDisk: false });
  const loaded = ref(false);
  const notices = useNoticesStore();

  const usableModels = computed(() => models.value.filter((m) => m.error === null));

  async function refreshModels(): Promise<void> {
    try {
      models.value = await api().listModels();
    } catch (e) {
      notices.error('Could not list the models', messageOf(e));
    }
  }

  async function refreshInfo(): Promise<void> {
    try {
      info.value = await api().engineInfo();
    } catch (e) {
      notices.warn('Could not ask the engine for its status', messageOf(e));
    }
  }

  async function load(): Promise<void> {
    capabilities.value = api().capabilities;
    await refreshModels();
    try {
      settings.value = await api().getSettings();
    } catch (e) {
      notices.error('Could not read the settings', messageOf(e));
    }
    await refreshInfo();
    loaded.value = true;
  }

  async function updateSettings(patch: Partial<Settings>): Promise<void> {
    try {
      settings.value = await api().setSettings(patch);
      await refreshInfo();
    } catch (e) {
      notices.error('Could not change the settings', messageOf(e));
    }
  }

  function onEngineEvent(e: EngineEvent): void {
    if (e.status === 'crashed') notices.error('The engine stopped', e.message);
    else if (e.status === 'restarted') notices.warn('The engine restarted', e.message);
    void refreshInfo();
  }

  function model(id: string | null): ModelInfo | null {
    return models.value.find((m) => m.id === id) ?? null;
  }

  return {
    models,
    usableModels,
    settings,
    info,
    capabilities,
    loaded,
    load,
    refreshModels,
    refreshInfo,
    updateSettings,
    onEngineEvent,
    model,
  };
});
