/**
 * Tunes the ABR rule's constants on throughput traces with the web player's own rule and
 * simulator (web/src/app/player/abr/), then scores the chosen constants on traces held apart.
 * Run by `bench/abr_tune.py`, which bundles this file with esbuild; argv: a JSON job.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { DEFAULT_RULE_CONFIG, type RuleConfig, type Rung } from '../web/src/app/player/abr/rule';
import {
  FIXED_LADDER,
  type TracePoint,
  parseTrace,
  simulate,
} from '../web/src/app/player/abr/simulate';
import { DEFAULT_WINDOWS, type ThroughputWindows } from '../web/src/app/player/abr/throughput';

interface Job {
  tuning: string;
  evaluation: string;
  seconds: number;
  segmentS: number;
  latencyS: number;
  maxTraces: number;
}

interface Candidate {
  name: string;
  config: RuleConfig;
  windows: ThroughputWindows;
}

interface Score {
  qoeLin: number;
  stallRatio: number;
  meanMbps: number;
  startupS: number;
}

/** Two ladders (bit/s with 128 kbit/s of audio): the fixed one, and a per-title one measured
 * on bench/abr.py's clip (docs/playback.md), whose rungs carry no VMAF. */
const LADDERS: (readonly Rung[])[] = [
  FIXED_LADDER,
  [
    [270, 150],
    [270, 310],
    [432, 470],
    [432, 720],
    [720, 1600],
    [720, 4800],
  ].map(([height, kbps], id) => ({
    id,
    height,
    bitrateBps: (kbps + 128) * 1e3,
    vmaf: null,
  })),
];

function readTraces(folder: string, limit: number): TracePoint[][] {
  const names = readdirSync(folder)
    .filter((name) => !name.startsWith('.'))
    .sort();
  const step = Math.max(1, names.length / Math.max(limit, 1));
  const picked = names.filter((_, i) => Math.floor(i % step) === 0).slice(0, limit);
  return picked
    .map((name) => parseTrace(readFileSync(join(folder, name), 'utf8')))
    .filter((trace) => trace.length > 0);
}

function score(candidate: Candidate, traces: TracePoint[][], job: Job): Score {
  let qoe = 0;
  let stall = 0;
  let mbps = 0;
  let startup = 0;
  let runs = 0;
  for (const ladder of LADDERS) {
    for (const trace of traces) {
      const run = simulate(ladder, trace, {
        seconds: job.seconds,
        segmentS: job.segmentS,
        latencyS: job.latencyS,
        config: candidate.config,
        windows: candidate.windows,
      });
      qoe += run.qoeLin;
      stall += run.stallS / (job.seconds + run.stallS);
      mbps += run.meanMbps;
      startup += run.startupS;
      runs++;
    }
  }
  return {
    qoeLin: qoe / runs,
    stallRatio: stall / runs,
    meanMbps: mbps / runs,
    startupS: startup / runs,
  };
}

function* grid(): Generator<Candidate> {
  for (const safety of [0.75, 0.85, 0.9, 0.95, 1.0, 1.1]) {
    for (const bolaFromBufferS of [4, 6, 10, 15]) {
      for (const reserveS of [2, 4, 8]) {
        for (const horizonSegments of [2, 5, 8]) {
          for (const fastMs of [2000, 3000, 5000, 8000]) {
            for (const slowMs of [8000, 12000, 20000]) {
              if (fastMs > slowMs) {
                continue;
              }
              const config = {
                ...DEFAULT_RULE_CONFIG,
                safety,
                bolaFromBufferS,
                reserveS,
                horizonSegments,
              };
              const name = `safety ${safety} bola≥${bolaFromBufferS}s reserve ${reserveS}s horizon ${horizonSegments} windows ${fastMs}/${slowMs} ms`;
              yield { name, config, windows: { fastMs, slowMs } };
            }
          }
        }
      }
    }
  }
}

function main(): void {
  const job = JSON.parse(process.argv[2]) as Job;
  const tuning = readTraces(job.tuning, job.maxTraces);
  const evaluation = readTraces(job.evaluation, job.maxTraces);
  const shipped: Candidate = {
    name: 'shipped',
    config: DEFAULT_RULE_CONFIG,
    windows: DEFAULT_WINDOWS,
  };
  const throughputOnly: Candidate = {
    name: 'throughput rule only',
    config: {
      ...DEFAULT_RULE_CONFIG,
      bolaFromBufferS: Number.POSITIVE_INFINITY,
    },
    windows: DEFAULT_WINDOWS,
  };
  let best = shipped;
  let bestQoe = score(shipped, tuning, job).qoeLin;
  let tried = 0;
  for (const candidate of grid()) {
    tried++;
    const qoe = score(candidate, tuning, job).qoeLin;
    if (qoe > bestQoe) {
      best = candidate;
      bestQoe = qoe;
    }
  }
  const rows = [shipped, throughputOnly, best].map((candidate) => ({
    name: candidate.name,
    tuning: score(candidate, tuning, job),
    evaluation: score(candidate, evaluation, job),
  }));
  console.log(
    JSON.stringify({
      tried,
      traces: { tuning: tuning.length, evaluation: evaluation.length },
      best: best.name,
      rows,
    }),
  );
}

main();
