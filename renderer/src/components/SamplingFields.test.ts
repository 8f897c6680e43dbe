// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { installApi } from '../api/host';
import { createFakeApi } from '../testing/fakeApi';
import { useEngineStore } from '../stores/engine';
import { useTasksStore } from '../stores/tasks';
import SamplingFields from './SamplingFields.vue';

async function panel(task: 'inpaint' | 'colorize' | 'generate', modelId: string) {
  const pinia = createPinia();
  setActivePinia(pinia);
  installApi(createFakeApi().api);
  await useEngineStore().refreshModels();
  useTasksStore()[task].modelId = modelId;
  const mode = task === 'generate' ? 'free' : 'constrained';
  return mount(SamplingFields, { props: { task, mode }, global: { plugins: [pinia] } });
}

describe('SamplingFields', () => {
  it("prices the Fast preset with the model's own corrections for the task", async () => {
    // faces32-vp's tuning chose 2 corrector steps for inpainting, and the posterior correction
    // (one CG step, doubling each score's evaluations) for colorization.
    const inpaint = await panel('inpaint', 'faces32-vp');
    expect(inpaint.get('.cost').text()).toBe(
      'predictor-corrector · 300 network evaluations × batch of 4',
    );
    const colorize = await panel('colorize', 'faces32-vp');
    expect(colorize.get('.cost').text()).toMatch(
      /^predictor-corrector \+ posterior correction · 400 network evaluations/,
    );
    await colorize.get('[data-testid="preset-quality"]').trigger('click');
    expect(colorize.get('.cost').text()).toMatch(/^predictor-corrector · 2000 network evaluations/);
  });

  it("starts generation at the model's own Fast sampler and steps", async () => {
    const generate = await panel('generate', 'faces32-vp');
    expect((generate.get('[data-testid="steps"]').element as HTMLInputElement).value).toBe('100');
    expect(generate.get('.cost').text()).toMatch(/^predictor-corrector · 200 network evaluations/);
  });
});
