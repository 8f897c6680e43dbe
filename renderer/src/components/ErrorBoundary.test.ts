// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import ErrorBoundary from './ErrorBoundary.vue';
import { useNoticesStore } from '../stores/notices';

describe('ErrorBoundary', () => {
  it('shows a failing part as a message, reports it, and retries', async () => {
    const pinia = createPinia();
    setActivePinia(pinia);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    let fail = true;
    const Flaky = defineComponent({
      setup() {
        return () => {
          if (fail) throw new Error('the panel broke');
          return h('p', 'panel ok');
        };
      },
    });
    const wrapper = mount(ErrorBoundary, {
      props: { name: 'Inpaint panel' },
      slots: { default: () => h(Flaky) },
      global: { plugins: [pinia] },
    });
    await nextTick();
    expect(wrapper.text()).toContain('The Inpaint panel stopped working');
    expect(wrapper.text()).toContain('the panel broke');
    expect(useNoticesStore().items[0]?.text).toBe('The Inpaint panel stopped working');
    fail = false;
    await wrapper.get('button').trigger('click');
    expect(wrapper.text()).toContain('panel ok');
  });
});
