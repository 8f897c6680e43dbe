// @vitest-environment happy-dom
import { createPinia, setActivePinia } from 'pinia';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import { installApi } from '../../api/host';
import { useTasksStore } from '../../stores/tasks';
import { createFakeApi } from '../../testing/fakeApi';
import InpaintPanel from './InpaintPanel.vue';

describe('InpaintPanel', () => {
  it('reads context and feather as pixels, and an empty field as auto', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    installApi(createFakeApi().api);
    const wrapper = mount(InpaintPanel, { global: { plugins: [pinia] } });
    const tasks = useTasksStore();
    for (const [id, key] of [
      ['margin', 'margin'],
      ['feather', 'feather'],
    ] as const) {
      const input = wrapper.get(`[data-testid=${id}]`);
      await input.setValue('48');
      expect(tasks.inpaint[key]).toBe(48);
      await input.setValue('');
      expect(tasks.inpaint[key]).toBeNull();
    }
  });
});
