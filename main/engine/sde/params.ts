import { z } from 'zod';
import { SubVpSde, VeSde, VpSde, type Sde } from './sde.ts';

const steps = z.number().int().min(1).max(100_000);
const eps = z.number().gt(0).lt(1);

export const sdeParamsSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ve'),
    sigma_min: z.number().positive(),
    sigma_max: z.number().positive(),
    N: steps.default(1000),
    eps: eps.default(1e-5),
  }),
  z.object({
    type: z.literal('vp'),
    beta_min: z.number().positive(),
    beta_max: z.number().positive(),
    N: steps.default(1000),
    eps: eps.default(1e-3),
  }),
  z.object({
    type: z.literal('subvp'),
    beta_min: z.number().positive(),
    beta_max: z.number().positive(),
    N: steps.default(1000),
    eps: eps.default(1e-3),
  }),
]);

export type SdeParams = z.infer<typeof sdeParamsSchema>;

export function sdeFromParams(p: SdeParams): Sde {
  switch (p.type) {
    case 've':
      return new VeSde(p.sigma_min, p.sigma_max, p.N, p.eps);
    case 'vp':
      return new VpSde(p.beta_min, p.beta_max, p.N, p.eps);
    case 'subvp':
      return new SubVpSde(p.beta_min, p.beta_max, p.N, p.eps);
  }
}
