import { describe, expect, it } from 'vitest';
import { variantOf } from './experiment';

describe('the ABR variant of an experiment', () => {
  it('names the rule and maps the parameters onto the rule config', () => {
    const variant = variantOf('abr-test', {
      abr: 'marquee',
      abr_parameters: { safety: 0.7, bola_from_buffer_s: 12, horizon_segments: 3, unknown: 1 },
    });
    expect(variant).toEqual({
      experiment: 'abr-test',
      rule: 'marquee',
      tuning: { safety: 0.7, bolaFromBufferS: 12, horizonSegments: 3 },
    });
  });

  it("plays Shaka's rule only when the variant says so", () => {
    expect(variantOf('abr-test', { abr: 'shaka' }).rule).toBe('shaka');
    expect(variantOf('abr-test', { abr: 'other' }).rule).toBe('marquee');
  });
});
