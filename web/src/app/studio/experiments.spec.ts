import { describe, expect, it } from 'vitest';
import type { Schemas } from '../api/client';
import { metricsOf } from './experiments';

const interval = (estimate: number, low: number, high: number) => ({
  estimate,
  low,
  high,
  p_value: 0.5,
});

describe('the results drawn per metric', () => {
  it('draws each variant beside the control with its sequential interval', () => {
    const results = {
      experiment: 'e',
      state: 'running',
      first_day: '2026-12-01',
      last_day: '2026-12-06',
      sample_ratio_p_value: 0.5,
      sample_ratio_mismatch: false,
      guardrail_breaches: [],
      stop_reason: null,
      variants: [
        { variant: 'control', units: 10, exposures: 10, metrics: [] },
        {
          variant: 'bold',
          units: 11,
          exposures: 12,
          metrics: [
            {
              metric: 'plays_per_member',
              role: 'primary',
              control_mean: 1,
              mean: 1.2,
              units: 11,
              difference: interval(0.2, -0.1, 0.5),
              cuped: interval(0.18, -0.05, 0.41),
              sequential_p_value: 0.3,
              sequential: {
                method: 'group-sequential',
                look: 6,
                planned_looks: 14,
                boundary: 3.1,
                low: -0.2,
                high: 0.56,
              },
            },
          ],
        },
      ],
    } as Schemas['Results'];
    const [plays] = metricsOf(results);
    expect(plays.metric).toBe('plays_per_member');
    expect(plays.rows.map((row) => row.variant)).toEqual(['bold']);
    expect(plays.intervals).toEqual([{ label: 'bold', estimate: 0.18, low: -0.2, high: 0.56 }]);
  });

  it('draws nothing before there are results', () => {
    expect(metricsOf(null)).toEqual([]);
  });
});
