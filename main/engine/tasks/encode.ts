import { createRng } from '../rng.ts';
import { runSampler } from '../samplers/index.ts';
import { instrument } from '../samplers/instrument.ts';
import { probabilityFlow } from '../samplers/ode.ts';
import { batchGroups, rk45 } from '../samplers/rk45.ts';
import { samplerSpecSchema } from '../samplers/spec.ts';
import type { StepInfo } from '../samplers/types.ts';
import { tensor, type Tensor } from '../tensor.ts';
import { checkBatch, type TaskModel } from './types.ts';

export interface FlowOptions {
  /** RK45 tolerances; the round trip error scales with them. */
  rtol: number;
  atol: number;
  signal?: AbortSignal;
  onStep?: (info: StepInfo) => void;
}

/**
 * The probability-flow latent code of images x ([B,C,H,W], model range): the ODE integrated with
 * adaptive RK45 from eps to T. Deterministic and invertible by `decode`.
 */
export async function encode(
  model: TaskModel,
  x: Tensor,
  o: FlowOptions,
): Promise<{ z: Tensor; nfe: number }> {
  checkBatch(model, x);
  const { sde } = model;
  const counted = instrument(model.score, sde, { rng: createRng(0), signal: o.signal });
  const flow = probabilityFlow(counted.score, sde, x.shape);
  const { y } = await rk45(
    async (t, state) => {
      const d = await flow(t, state);
      o.onStep?.({
        nfe: counted.nfe(),
        t,
        x: tensor(Float32Array.from(state), x.shape),
        progress: (t - sde.eps) / (sde.T - sde.eps),
      });
      return d;
    },
    Float64Array.from(x.data),
    sde.eps,
    sde.T,
    { ...o, groups: batchGroups(x.shape[0], x.data.length / x.shape[0]) },
  );
  return { z: tensor(Float32Array.from(y), x.shape), nfe: counted.nfe() };
}

/**
 * Images from latent codes: the same ODE from T back to eps through the ode sampler, without the
 * final denoising step, so that decode(encode(x)) = x up to the tolerances.
 */
export async function decode(
  model: TaskModel,
  z: Tensor,
  o: FlowOptions,
): Promise<{ x: Tensor; nfe: number }> {
  checkBatch(model, z);
  const spec = samplerSpecSchema.parse({
    sampler: 'ode',
    rtol: o.rtol,
    atol: o.atol,
    denoise: false,
  });
  // The ODE sampler draws no noise without denoising; the rng is only there to satisfy the interface.
  const out = await runSampler(spec, model.score, model.sde, z, {
    rng: createRng(0),
    signal: o.signal,
    onStep: o.onStep,
  });
  return { x: out.x, nfe: out.nfe };
}
