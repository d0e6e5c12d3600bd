import { describe, expect, it } from 'vitest';
import { ladderScale, rateTicks } from './ladder-chart';

const probes = [
  { width: 1280, height: 720, crf: 22, kbps: 1200, vmaf: 95 },
  { width: 1280, height: 720, crf: 38, kbps: 150, vmaf: 60 },
  { width: 768, height: 432, crf: 30, kbps: 400, vmaf: 80 },
];

describe('the per-title ladder chart', () => {
  it('puts dearer probes further right and better ones higher', () => {
    const scale = ladderScale(probes);
    expect(scale.x(1200)).toBeGreaterThan(scale.x(400));
    expect(scale.x(400)).toBeGreaterThan(scale.x(150));
    expect(scale.y(95)).toBeLessThan(scale.y(60)); // SVG y grows downwards
  });

  it('keeps every probe inside the plot', () => {
    const scale = ladderScale(probes);
    for (const p of probes) {
      expect(scale.x(p.kbps)).toBeGreaterThan(48);
      expect(scale.x(p.kbps)).toBeLessThan(640 - 16);
    }
  });

  it('labels the log axis with 1, 2, 5 steps inside its range', () => {
    expect(rateTicks(120, 1500)).toEqual([200, 500, 1000]);
    expect(rateTicks(90, 110)).toEqual([100]);
  });
});
