import { isConstrainedTask, type JobRequest, type ModelInfo } from '../../../preload/api';
import { fastChoice, specFor, type Preset, type SamplerName, type SamplingMode } from './presets';
import { useDocumentStore } from '../stores/document';
import { useEditorStore } from '../stores/editor';
import { useEngineStore } from '../stores/engine';
import { useJobsStore } from '../stores/jobs';
import { useNoticesStore } from '../stores/notices';
import { useTasksStore, type End, type TaskName } from '../stores/tasks';

/** Why a model cannot do a task: a few words for the picker's entry, and the whole reason. */
export interface ModelProblem {
  label: string;
  detail: string;
}

function problem(label: string, detail = label): ModelProblem {
  return { label, detail };
}

/** Which models a task can use, and why not when it cannot (shown with the picker). */
export function modelProblem(
  task: TaskName,
  m: ModelInfo,
  doc: { isGray: boolean } | null,
): ModelProblem | null {
  if (m.error) return problem('cannot be loaded', m.error);
  if (task === 'colorize' && m.image.channels !== 3) return problem('needs a colour model');
  if (task === 'inpaint' && doc && !doc.isGray && m.image.channels !== 3) {
    return problem('gray model', 'a grayscale model cannot fill a colour photo');
  }
  if (isConstrainedTask(task) && m.notRecommendedFor[task]) {
    // The measured figures can run long; the entry says what, the detail says why.
    return problem('not recommended', `measured: ${m.notRecommendedFor[task]}`);
  }
  return null;
}

function endOf(e: End): { seed: number } | { docId: string } {
  return e.kind === 'seed' ? { seed: e.seed } : { docId: e.docId };
}

/**
 * Builds the job request of a task from the panels' parameters and starts it. Anything that would
 * make the job fail at once (no image, empty mask, no model) is said here instead.
 */
export async function runTask(task: TaskName): Promise<boolean> {
  const tasks = useTasksStore();
  const doc = useDocumentStore();
  const editor = useEditorStore();
  const engine = useEngineStore();
  const jobs = useJobsStore();
  const notices = useNoticesStore();
  const sampler: SamplerName = engine.settings?.defaultSampler ?? 'dpm++3m';
  /** The panel's preset as a sampler spec, with what the model's measurements chose for it. */
  const specOf = (
    p: { preset: Preset; steps: number; modelId: string | null },
    mode: SamplingMode,
  ) => specFor(p.preset, p.steps, sampler, mode, fastChoice(engine.model(p.modelId), task));

  let request: JobRequest;
  switch (task) {
    case 'inpaint': {
      const p = tasks.inpaint;
      const d = doc.current;
      if (!d || !editor.mask) return fail('Open an image first');
      if (editor.mask.isEmpty()) return fail('Paint over the part to fill first (B: brush)');
      if (!p.modelId) return fail('Choose a model');
      request = {
        kind: 'inpaint',
        docId: d.docId,
        maskPng: await editor.mask.toPng(),
        modelId: p.modelId,
        n: p.n,
        seed: tasks.takeSeed(p),
        spec: specOf(p, 'constrained'),
        ...(p.margin !== null ? { margin: p.margin } : {}),
        ...(p.feather !== null ? { feather: p.feather } : {}),
      };
      break;
    }
    case 'colorize': {
      const p = tasks.colorize;
      const d = doc.current;
      if (!d) return fail('Open a grayscale photo first');
      if (!p.modelId) return fail('Choose a colour model');
      request = {
        kind: 'colorize',
        docId: d.docId,
        modelId: p.modelId,
        n: p.n,
        seed: tasks.takeSeed(p),
        spec: specOf(p, 'constrained'),
      };
      break;
    }
    case 'generate': {
      const p = tasks.generate;
      if (!p.modelId) return fail('Choose a model');
      request = {
        kind: 'generate',
        modelId: p.modelId,
        n: p.n,
        seed: tasks.takeSeed(p),
        spec: specOf(p, 'free'),
        ...(p.classLabel !== null ? { classLabel: p.classLabel, guidance: p.guidance } : {}),
      };
      break;
    }
    case 'interpolate': {
      const p = tasks.interpolate;
      if (!p.modelId) return fail('Choose a model');
      const a = endOf(p.a);
      const b = endOf(p.b);
      let ends: { seeds: [number, number] } | { docIds: [string, string] };
      if ('seed' in a && 'seed' in b) ends = { seeds: [a.seed, b.seed] };
      else if ('docId' in a && 'docId' in b) ends = { docIds: [a.docId, b.docId] };
      else return fail('Both ends must be seeds, or both images');
      request = {
        kind: 'interpolate',
        modelId: p.modelId,
        ends,
        frames: p.frames,
        spec: specOf(p, 'ode'),
      };
      break;
    }
  }
  return jobs.start(request);

  function fail(text: string): false {
    notices.warn(text);
    return false;
  }
}
