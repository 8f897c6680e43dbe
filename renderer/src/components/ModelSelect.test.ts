// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../api/host';
import { createFakeApi } from '../testing/fakeApi';
import { useEngineStore } from '../stores/engine';
import ModelSelect from './ModelSelect.vue';

describe('ModelSelect', () => {
  it('names why a model is not offered in its entry, and says it in full below', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    const fake = createFakeApi();
    const models = await fake.api.listModels();
    const weak = { ...models[0]!, id: 'weak', name: 'Weak 32' };
    weak.notRecommendedFor = { colorize: 'colorizations score 23.3 dB, the gray input 22.9 dB' };
    installApi({ ...fake.api, listModels: async () => [...models, weak] });
    await useEngineStore().refreshModels();
    const wrapper = mount(ModelSelect, {
      props: { task: 'colorize', modelValue: 'weak' },
      global: { plugins: [pinia] },
    });
    const entries = wrapper.findAll('option');
    expect(entries.map((o) => o.text())).toEqual([
      'Faces 32 (32×32 RGB)',
      'Fashion 28 (28×28 gray) — needs a colour model',
      'Weak 32 (32×32 RGB) — not recommended',
    ]);
    expect(entries[2]!.attributes('disabled')).toBeDefined();
    expect(entries[2]!.attributes('title')).toBe(
      'measured: colorizations score 23.3 dB, the gray input 22.9 dB',
    );
    const why = wrapper.get('[data-testid="models-unavailable"]');
    expect(why.get('summary').text()).toBe('2 models not offered');
    expect(why.text()).toContain('Weak 32: measured: colorizations score 23.3 dB');
    // A model that cannot do the task is not kept chosen: the first usable one is.
    expect(wrapper.emitted('update:modelValue')?.at(-1)).toEqual(['faces32-vp']);
  });
});
