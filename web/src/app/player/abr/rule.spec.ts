import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_CONFIG, type RuleConfig, candidates, choose, holdS, utilities } from './rule';
import { FIXED_LADDER, type TracePoint, parseTrace, simulate, transferSeconds } from './simulate';
import { ThroughputHistory } from './throughput';

const LADDER = FIXED_LADDER;
const SEGMENT_S = 4;

/** A trace from `[seconds, Mbit/s]` points, the last one held to the end of any test. */
function trace(...points: [number, number][]): TracePoint[] {
  const given = points.map(([atS, mbps]) => ({ atS, mbps }));
  return [...given, { atS: 1e6, mbps: given[given.length - 1].mbps }];
}

function play(network: TracePoint[], seconds: number, config: RuleConfig = DEFAULT_RULE_CONFIG) {
  return simulate(LADDER, network, { seconds, segmentS: SEGMENT_S, latencyS: 0, config });
}

describe('Marquee ABR rule', () => {
  it('steps down before the buffer empties when throughput drops', () => {
    const dropAtS = 120;
    const { steps, stallS } = play(trace([0, 8], [dropAtS, 0.9]), 240);
    const before = steps.filter((step) => step.atS < dropAtS).at(-1)!;
    expect(before.rung.height).toBeGreaterThanOrEqual(720);
    const firstLow = steps.find((step) => step.atS >= dropAtS && step.rung.bitrateBps < 0.9e6)!;
    expect(firstLow).toBeDefined();
    expect(firstLow.bufferS).toBeGreaterThan(0);
    expect(stallS).toBe(0);
  });

  it('steps up again when throughput recovers', () => {
    const { steps, stallS } = play(trace([0, 0.6], [60, 10]), 200);
    const low = steps.filter((step) => step.atS < 60);
    expect(Math.max(...low.map((step) => step.rung.bitrateBps))).toBeLessThan(1e6);
    expect(steps.at(-1)!.rung.height).toBe(1080);
    expect(stallS).toBe(0);
  });

  it('never picks a rendition above the plan or the screen', () => {
    const plan = { ...DEFAULT_RULE_CONFIG, maxHeight: 720 };
    const { steps } = play(trace([0, 50]), 120, plan);
    expect(Math.max(...steps.map((step) => step.rung.height))).toBe(720);
    const screen = { ...DEFAULT_RULE_CONFIG, screenHeight: 500 };
    expect(candidates(LADDER, screen).at(-1)!.height).toBe(540);
  });

  it('gives a plan below the smallest rendition the smallest one', () => {
    const tiny = { ...DEFAULT_RULE_CONFIG, maxHeight: 100 };
    const situation = { bufferS: 20, throughputBps: 50e6, currentId: null, segmentS: 4 };
    expect(choose(LADDER, situation, tiny).height).toBe(234);
  });

  it('starts from the throughput it is given, with a safety margin', () => {
    const start = (bps: number | null): number =>
      choose(
        LADDER,
        { bufferS: 0, throughputBps: bps, currentId: null, segmentS: 4 },
        DEFAULT_RULE_CONFIG,
      ).height;
    expect(start(4e6)).toBe(720);
    expect(start(2.6e6)).toBe(540);
    expect(start(2.4e6)).toBe(432);
    expect(start(null)).toBe(270);
  });

  it('weighs rungs by the log of their bitrate', () => {
    const weights = utilities(LADDER);
    expect(weights[0]).toBe(1);
    expect(weights.at(-1)).toBeCloseTo(1 + Math.log(6128 / 273));
  });

  it('leaves out a rung that adds no visible VMAF over a cheaper one', () => {
    const flatTop = [...LADDER.slice(0, -1), { ...LADDER.at(-1)!, vmaf: 90.5 }];
    expect(candidates(flatTop, DEFAULT_RULE_CONFIG).at(-1)!.height).toBe(720);
    const unknown = flatTop.map((rung) => ({ ...rung, vmaf: null }));
    expect(candidates(unknown, DEFAULT_RULE_CONFIG).at(-1)!.height).toBe(1080);
  });

  it('climbs above the throughput rule on a full buffer', () => {
    const rung = (height: number) => LADDER.find((candidate) => candidate.height === height)!;
    const full = { bufferS: 29, throughputBps: 2.4e6, currentId: rung(432).id, segmentS: 4 };
    expect(choose(LADDER, full, DEFAULT_RULE_CONFIG).height).toBe(540);
  });

  it('keeps the rung playing through a dip it can ride on its buffer, not a fall', () => {
    const top = LADDER.find((rung) => rung.height === 720)!;
    const at = (bps: number, bufferS: number) =>
      choose(
        LADDER,
        { bufferS, throughputBps: bps, currentId: top.id, segmentS: 4 },
        DEFAULT_RULE_CONFIG,
      ).height;
    expect(at(3.3e6, 20)).toBe(720); // the throughput rule alone: 540p
    expect(at(3.3e6, 9)).toBe(720); // the throughput rule decides here, and would step down
    expect(at(2.6e6, 20)).toBe(720); // slower than it plays, ridden on the buffer
    expect(at(2.6e6, 7)).toBeLessThan(720);
    expect(at(1.5e6, 20)).toBeLessThan(720);
  });
});

describe('throughput history', () => {
  it('falls at once and rises slowly', () => {
    const history = new ThroughputHistory();
    for (let i = 0; i < 10; i++) {
      history.add(1_000_000, 1000);
    }
    expect(history.estimateBps()).toBeCloseTo(8e6);
    history.add(1_000_000, 4000);
    expect(history.estimateBps()!).toBeLessThan(4e6);
    history.add(1_000_000, 250);
    expect(history.estimateBps()!).toBeLessThan(8e6);
  });

  it('counts the time two downloads shared once', () => {
    const history = new ThroughputHistory();
    for (let endMs = 100; endMs <= 2000; endMs += 100) {
      history.add(50_000, 100, endMs); // video, at half of an 8 Mbit/s link
      history.add(50_000, 100, endMs); // audio beside it, the other half
    }
    expect(history.estimateBps()).toBeCloseTo(8e6);
  });

  it('ignores samples too small to measure', () => {
    const history = new ThroughputHistory();
    history.add(500, 1);
    expect(history.estimateBps()).toBeNull();
  });
});

describe('trace simulation', () => {
  it('moves bits at each moment’s throughput and repeats the trace after its end', () => {
    const network = parseTrace('0\t8\n1.0\t2\n# a comment\n2.0\t8\n');
    expect(network).toHaveLength(3);
    expect(transferSeconds(network, 0, 8e6)).toBeCloseTo(1);
    expect(transferSeconds(network, 0, 9e6)).toBeCloseTo(1.5);
    expect(transferSeconds(network, 3, 8e6)).toBeCloseTo(1);
  });

  it('counts a stall when a segment takes longer than the buffer holds, not at startup', () => {
    const slow = trace([0, 0.1]);
    const floor = { ...DEFAULT_RULE_CONFIG, defaultThroughputBps: 1e3 };
    const { stallS, startupS, qoeLin } = play(slow, 8, floor);
    const segmentS = (LADDER[0].bitrateBps * SEGMENT_S) / 0.1e6;
    expect(startupS).toBeCloseTo(segmentS);
    expect(stallS).toBeCloseTo(segmentS - SEGMENT_S);
    expect(qoeLin).toBeLessThan(0);
  });

  it('holds no buffer while a segment arrives faster than it plays', () => {
    expect(holdS(1_000_000, 1_200_000, SEGMENT_S)).toBe(0);
    expect(holdS(1_000_000, 1_000_000, SEGMENT_S)).toBe(0);
  });

  it("holds the next segment's arrival time on a link slower than the rendition, capped", () => {
    expect(holdS(300_000, 200_000, SEGMENT_S)).toBeCloseTo(6);
    expect(holdS(300_000, 10_000, SEGMENT_S)).toBe(3 * SEGMENT_S);
  });
});
