/**
 * The task panels' parameters (model, preset, steps, variants, seed and its lock, ...), kept here
 * so that switching panels loses nothing. Mutated by the panels' inputs; `takeSeed` is called by
 * a panel when it starts a job: it rolls a new seed first unless the seed is locked, so the field
 * always shows the seed of the last run.
 */
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { presetSteps, randomSeed, type Preset } from '../lib/presets';

export type TaskName = 'inpaint' | 'colorize' | 'generate' | 'interpolate';

export interface SamplingParams {
  modelId: string | null;
  preset: Preset;
  steps: number;
  n: number;
  seed: number;
  seedLocked: boolean;
}

/** An interpolation end: a seed's prior sample, or an open document's latent code. */
export type End = { kind: 'seed'; seed: number } | { kind: 'doc'; docId: string };

export const useTasksStore = defineStore('tasks', () => {
  const activeTask = ref<TaskName>('inpaint');

  const inpaint = reactive<SamplingParams & { margin: number | null; feather: number | null }>({
    modelId: null,
    preset: 'fast',
    steps: presetSteps('fast', 'constrained'),
    n: 4,
    seed: randomSeed(),
    seedLocked: false,
    margin: null,
    feather: null,
  });

  const colorize = reactive<SamplingParams>({
    modelId: null,
    preset: 'fast',
    steps: presetSteps('fast', 'constrained'),
    n: 2,
    seed: randomSeed(),
    seedLocked: false,
  });

  const generate = reactive<SamplingParams & { classLabel: string | null; guidance: number }>({
    modelId: null,
    preset: 'fast',
    steps: 20,
    n: 8,
    seed: randomSeed(),
    seedLocked: false,
    classLabel: null,
    guidance: 1,
  });

  const interpolate = reactive<{
    modelId: string | null;
    preset: Preset;
    steps: number;
    frames: number;
    a: End;
    b: End;
    /** Frame shown by the scrub slider. */
    frame: number;
  }>({
    modelId: null,
    preset: 'fast',
    steps: 20,
    frames: 12,
    a: { kind: 'seed', seed: 1 },
    b: { kind: 'seed', seed: 2 },
    frame: 0,
  });

  /** The seed for the run about to start: a fresh one unless locked. */
  function takeSeed(p: SamplingParams): number {
    if (!p.seedLocked) p.seed = randomSeed();
    return p.seed;
  }

  return { activeTask, inpaint, colorize, generate, interpolate, takeSeed };
});
