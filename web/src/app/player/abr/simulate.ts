/**
 * Plays a stream with the rule over a throughput trace, segment by segment, without a browser:
 * what the unit tests check the rule's behaviour with and what `bench/abr_tune.py` tunes its
 * constants on. It is a model of the player, not the player: each segment is one request that
 * waits `latencyS`, then downloads at the trace's throughput of each moment; the buffer drains
 * while it downloads and fills by a segment after; the player waits while the buffer is full.
 * The Chromium bench (`bench/abr.py`) is what the figures in docs/playback.md come from.
 */
import { type Rung, type RuleConfig, choose } from './rule';
import { ThroughputHistory, type ThroughputWindows } from './throughput';

/** Throughput (Mbit/s) from `atS` on, until the next point; a trace repeats after its end. */
export interface TracePoint {
  atS: number;
  mbps: number;
}

export interface SimulationOptions {
  /** Media seconds to play. */
  seconds: number;
  /** Media segment duration (s). */
  segmentS: number;
  /** Round-trip before each segment's first byte (s). */
  latencyS: number;
  config: RuleConfig;
  windows?: ThroughputWindows;
  /** The throughput remembered from an earlier play (bit/s), if any. */
  startBps?: number | null;
}

export interface SimulatedStep {
  atS: number;
  rung: Rung;
  bufferS: number;
}

export interface Simulation {
  steps: SimulatedStep[];
  /** Seconds the playhead waited for data after the first segment (startup excluded). */
  stallS: number;
  /** Seconds from the first request to the first segment's arrival. */
  startupS: number;
  /** Pensieve's linear QoE per segment: (Σ Mbit/s − 4.3 × stall s − Σ |change| Mbit/s) / n. */
  qoeLin: number;
  /** The mean bitrate of the segments played (Mbit/s). */
  meanMbps: number;
}

/** The fixed ladder's rungs as a session answer gives them (video plus 128 kbit/s of audio,
 * VMAF of a typical title), lowest first: the ladder the tests and the tuner play. */
export const FIXED_LADDER: readonly Rung[] = [
  [234, 145, 40],
  [270, 365, 55],
  [360, 730, 68],
  [432, 1100, 76],
  [540, 2000, 84],
  [720, 3000, 90],
  [1080, 6000, 95],
].map(([height, kbps, vmaf], id) => ({ id, height, bitrateBps: (kbps + 128) * 1000, vmaf }));

/** Pensieve's price of a second of stall, in Mbit/s of one segment's bitrate. */
export const STALL_PENALTY = 4.3;

/** Plays `options.seconds` of the `ladder` over `trace` with the rule. */
export function simulate(
  ladder: readonly Rung[],
  trace: readonly TracePoint[],
  options: SimulationOptions,
): Simulation {
  const history = new ThroughputHistory(options.windows);
  const steps: SimulatedStep[] = [];
  let clockS = 0;
  let bufferS = 0;
  let stallS = 0;
  let startupS = 0;
  let currentId: number | null = null;
  for (let playedS = 0; playedS < options.seconds; playedS += options.segmentS) {
    const situation = {
      bufferS,
      throughputBps: history.estimateBps() ?? options.startBps ?? null,
      currentId,
      segmentS: options.segmentS,
    };
    const rung = choose(ladder, situation, options.config);
    currentId = rung.id;
    steps.push({ atS: clockS, rung, bufferS });
    const bits = rung.bitrateBps * options.segmentS;
    const transferS = transferSeconds(trace, clockS + options.latencyS, bits);
    const waitS = options.latencyS + transferS;
    history.add(bits / 8, transferS * 1000);
    if (steps.length === 1) {
      startupS = waitS;
    } else {
      stallS += Math.max(0, waitS - bufferS);
    }
    clockS += waitS;
    bufferS = Math.max(0, bufferS - waitS) + options.segmentS;
    if (bufferS > options.config.bufferTargetS) {
      clockS += bufferS - options.config.bufferTargetS;
      bufferS = options.config.bufferTargetS;
    }
  }
  return { steps, stallS, startupS, ...quality(steps, stallS) };
}

function quality(
  steps: readonly SimulatedStep[],
  stallS: number,
): { qoeLin: number; meanMbps: number } {
  const mbps = steps.map((step) => step.rung.bitrateBps / 1e6);
  const total = mbps.reduce((sum, value) => sum + value, 0);
  const changes = mbps.slice(1).reduce((sum, value, i) => sum + Math.abs(value - mbps[i]), 0);
  const count = Math.max(steps.length, 1);
  return { qoeLin: (total - STALL_PENALTY * stallS - changes) / count, meanMbps: total / count };
}

/** Seconds to move `bits` starting at `fromS` over the trace (repeated after its end). */
export function transferSeconds(trace: readonly TracePoint[], fromS: number, bits: number): number {
  const periodS = tracePeriodS(trace);
  let left = bits;
  let clockS = fromS;
  while (left > 0) {
    const withinS = clockS % periodS;
    const index = pointIndex(trace, withinS);
    const nextS = index + 1 < trace.length ? trace[index + 1].atS : periodS;
    const spanS = Math.max(nextS - withinS, 1e-6);
    const bps = Math.max(trace[index].mbps, 0.001) * 1e6;
    const neededS = left / bps;
    if (neededS <= spanS) {
      return clockS + neededS - fromS;
    }
    left -= bps * spanS;
    clockS += spanS;
  }
  return clockS - fromS;
}

/** A trace's length: its last point lasts as long as the gap before it (1 s for one point). */
function tracePeriodS(trace: readonly TracePoint[]): number {
  const last = trace[trace.length - 1];
  const gap = trace.length > 1 ? last.atS - trace[trace.length - 2].atS : 1;
  return last.atS + Math.max(gap, 1e-3);
}

function pointIndex(trace: readonly TracePoint[], atS: number): number {
  let index = 0;
  while (index + 1 < trace.length && trace[index + 1].atS <= atS) {
    index++;
  }
  return index;
}

/** A trace file's lines, `seconds<whitespace>Mbit/s` (the Pensieve and bench/abr.py format). */
export function parseTrace(text: string): TracePoint[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((fields) => fields.length >= 2 && fields.every(Number.isFinite))
    .map(([atS, mbps]) => ({ atS, mbps }));
}
