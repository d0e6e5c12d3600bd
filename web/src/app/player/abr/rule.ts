/**
 * Marquee's adaptive bitrate rule, free of Shaka and of the DOM so it can be tested alone.
 *
 * A BOLA-E style hybrid (Spiteri et al., "From Theory to Practice: Improving Bitrate
 * Adaptation in the DASH Reference Player", 2018) with a download-time safety check:
 *
 * - while the buffer is short (start-up, after a seek or a stall) it picks by throughput: the
 *   highest rung whose bitrate fits `safety` × the throughput estimate;
 * - once the buffer has grown, BOLA's buffer rule over the rungs' utilities (their VMAF where
 *   known, else the log of their bitrate) may lift the choice above the throughput rule's, one
 *   rung per decision (BOLA-O's limit on climbing, against oscillation);
 * - a rung above the throughput rule's is kept only while it is sustainable: its next segment
 *   arrives before the buffer falls to a reserve, and a few segments in a row at it would not
 *   drain the buffer below that reserve either (an MPC-like look-ahead). So the rule lowers the
 *   quality before the buffer empties, not after a stall.
 *
 * Rungs above the plan's maximum height or the screen are never candidates.
 */

/** One rendition the rule may pick: its id (the caller's), bitrate (bit/s), height and VMAF. */
export interface Rung {
  id: number;
  bitrateBps: number;
  height: number;
  vmaf: number | null;
}

/** What the rule knows when it decides. */
export interface Situation {
  /** Seconds of media buffered ahead of the playhead. */
  bufferS: number;
  /** The throughput estimate (bit/s), or null before any was measured or remembered. */
  throughputBps: number | null;
  /** The rung playing now, by id, or null before the first choice. */
  currentId: number | null;
  /** The media segment duration in seconds. */
  segmentS: number;
}

export interface RuleConfig {
  /** Fraction of the throughput estimate a rung's bitrate may use. */
  safety: number;
  /** Below this buffer (s) the throughput rule decides; above it, BOLA. */
  bolaFromBufferS: number;
  /** The buffer the player aims for (its buffering goal), BOLA's target. */
  bufferTargetS: number;
  /** Buffer (s) the rule keeps in reserve when checking a segment's download time. */
  reserveS: number;
  /** Segments ahead over which a rung above the throughput must not drain the reserve. */
  horizonSegments: number;
  /** Tallest rendition the plan plays (px). */
  maxHeight: number;
  /** Tallest rendition worth showing on this screen (px); the rung covering it is allowed. */
  screenHeight: number;
  /** The estimate used before anything was measured or remembered (bit/s). */
  defaultThroughputBps: number;
}

export const DEFAULT_RULE_CONFIG: RuleConfig = {
  safety: 0.85,
  bolaFromBufferS: 10,
  bufferTargetS: 30,
  reserveS: 4,
  horizonSegments: 5,
  maxHeight: Number.POSITIVE_INFINITY,
  screenHeight: Number.POSITIVE_INFINITY,
  defaultThroughputBps: 1_000_000,
};

/** BOLA's buffer floor (s): the buffer at which the lowest rung is always chosen. */
const BOLA_MIN_BUFFER_S = 10;
/** VMAF points that count as one unit of BOLA utility (the log of a 2.7x bitrate step). */
const VMAF_PER_UTILITY = 20;

/** The rungs the rule may pick, lowest bitrate first: within the plan's and screen's caps. */
export function candidates(rungs: readonly Rung[], config: RuleConfig): Rung[] {
  const sorted = [...rungs].sort((a, b) => a.bitrateBps - b.bitrateBps);
  if (sorted.length === 0) {
    return [];
  }
  const screenCap = coveringHeight(sorted, config.screenHeight);
  const cap = Math.min(config.maxHeight, screenCap);
  const allowed = sorted.filter((rung) => rung.height <= cap);
  return allowed.length > 0 ? allowed : [sorted[0]];
}

/** The rung to play next; `rungs` must not be empty. */
export function choose(rungs: readonly Rung[], situation: Situation, config: RuleConfig): Rung {
  const ladder = candidates(rungs, config);
  const throughput = situation.throughputBps ?? config.defaultThroughputBps;
  const byThroughput = throughputIndex(ladder, throughput, config.safety);
  if (situation.bufferS < config.bolaFromBufferS || situation.throughputBps === null) {
    return ladder[byThroughput];
  }
  const byBuffer = bolaIndex(ladder, situation.bufferS, config.bufferTargetS);
  const current = ladder.findIndex((rung) => rung.id === situation.currentId);
  const climbLimit = Math.max(byThroughput, current + 1);
  const wanted = Math.max(byThroughput, Math.min(byBuffer, climbLimit));
  return ladder[sustainableIndex(ladder, wanted, situation, throughput, config)];
}

/** The highest rung whose bitrate fits `safety` × `throughputBps` (the lowest if none does). */
function throughputIndex(ladder: readonly Rung[], throughputBps: number, safety: number): number {
  let index = 0;
  ladder.forEach((rung, i) => {
    if (rung.bitrateBps <= safety * throughputBps) {
      index = i;
    }
  });
  return index;
}

/**
 * BOLA's choice: the rung maximising (V·(u + γp) − buffer) / size, with V and γp set so the
 * lowest rung is chosen at the buffer floor and the highest near the buffer target.
 */
function bolaIndex(ladder: readonly Rung[], bufferS: number, targetS: number): number {
  const utility = utilities(ladder);
  const top = utility[utility.length - 1];
  const target = Math.max(targetS, BOLA_MIN_BUFFER_S + 2 * ladder.length);
  const gp = Math.max(top - 1, 1e-6) / (target / BOLA_MIN_BUFFER_S - 1);
  const v = BOLA_MIN_BUFFER_S / gp;
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  ladder.forEach((rung, i) => {
    const score = (v * (utility[i] + gp) - bufferS) / rung.bitrateBps;
    if (score >= bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
}

/**
 * Each rung's utility, 1 for the lowest: from VMAF when every rung has one (what the viewer
 * sees), else from the log of the bitrate (BOLA's own). Utilities never decrease up the ladder.
 */
export function utilities(ladder: readonly Rung[]): number[] {
  const byVmaf = ladder.every((rung) => rung.vmaf !== null);
  const raw = ladder.map((rung) =>
    byVmaf
      ? ((rung.vmaf ?? 0) - (ladder[0].vmaf ?? 0)) / VMAF_PER_UTILITY
      : Math.log(rung.bitrateBps / ladder[0].bitrateBps),
  );
  let highest = 0;
  return raw.map((value) => {
    highest = Math.max(highest, value);
    return 1 + highest;
  });
}

/**
 * Steps down from `index` until the rung is sustainable on the throughput estimate: its next
 * segment downloads before the buffer falls to the reserve, and `horizonSegments` segments in a
 * row at it would not drain the buffer below the reserve either (a short look-ahead, as MPC
 * does). Rungs the throughput rule picks always pass: they download faster than they play.
 */
function sustainableIndex(
  ladder: readonly Rung[],
  index: number,
  situation: Situation,
  throughputBps: number,
  config: RuleConfig,
): number {
  const spareS = Math.max(0, situation.bufferS - config.reserveS);
  const fits = (rung: Rung): boolean => {
    const segmentDownloadS = downloadS(rung, situation.segmentS, throughputBps);
    const drainS = config.horizonSegments * (segmentDownloadS - situation.segmentS);
    return segmentDownloadS <= spareS && drainS <= spareS;
  };
  let safe = index;
  while (safe > 0 && !fits(ladder[safe])) {
    safe--;
  }
  return safe;
}

function downloadS(rung: Rung, segmentS: number, throughputBps: number): number {
  return (rung.bitrateBps * segmentS) / Math.max(throughputBps, 1);
}

/** The smallest height among the rungs that is at least `screenHeight` (else the tallest). */
function coveringHeight(ladder: readonly Rung[], screenHeight: number): number {
  const heights = ladder.map((rung) => rung.height).sort((a, b) => a - b);
  return heights.find((height) => height >= screenHeight) ?? heights[heights.length - 1];
}
