import { describe, expect, it } from 'vitest';
import { av1Hull, ladderScale, rateTicks } from './ladder-chart';

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

  it("draws AV1's hull through its scored renditions only, cheapest first", () => {
    const rendition = (name: string, codec: string, kbps: number, vmaf: number | null) => ({
      name,
      codec,
      bitrate_kbps: kbps,
      target_kbps: kbps,
      vmaf,
      width: 1280,
      height: 720,
    });
    const hull = av1Hull([
      rendition('720p', 'h264', 1500, 95),
      rendition('av1-720p', 'av1', 1000, 93),
      rendition('av1-540p', 'av1', 600, 85),
      rendition('av1-432p', 'av1', 500, 60), // under the chord from 200 to 600 kbit/s
      rendition('av1-360p', 'av1', 700, null),
      rendition('av1-234p', 'av1', 200, 55),
    ]);
    expect(hull.map((p) => p.name)).toEqual(['av1-234p', 'av1-540p', 'av1-720p']);
    expect(hull.map((p) => p.vmaf)).toEqual([55, 85, 93]);
  });
});
