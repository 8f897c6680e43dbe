import { describe, expect, it } from 'vitest';
import { isConstrainedTask } from './spec.ts';

describe('isConstrainedTask', () => {
  it('names the tasks whose sampling a manifest tunes and recommends per task', () => {
    expect(
      ['inpaint', 'colorize', 'generate', 'interpolate', ''].filter(isConstrainedTask),
    ).toEqual(['inpaint', 'colorize']);
  });
});
