/**
 * Marquee's adaptive bitrate rule, free of Shaka and of the DOM so it can be tested alone.
 *
 * A BOLA-E style hybrid (Spiteri et al., "From Theory to Practice: Improving Bitrate
 * Adaptation in the DASH Reference Player", 2018) with a download-time safety check:
 *
 * - while the buffer is short (start-up, after a seek or a stall) it picks by throughput: the
 *   highest rung whose bitrate fits `safety` × the throughput estimate;
 * - once the buffer has grown, BOLA's buffer rule over the log of the rungs' bitrates may lift
 *   the choice above the throughput rule's, one rung per decision (BOLA-O's limit on climbing,
 *   against oscillation);
 * - a rung above the throughput rule's is kept only while it is sustainable: its next segment
 *   arrives before the buffer falls to a reserve, and a few segments in a row at it would not
 *   drain the buffer below that reserve either (an MPC-like look-ahead). So the rule lowers the
 *   quality before the buffer empties, not after a stall;
 * - the rung playing is kept while it is sustainable, or while its bitrate fits `keepSafety`
 *   × the estimate (above `safety`: the hysteresis of Shaka's up and down targets), whatever
 *   the throughput rule or BOLA would pick now: a dip of the estimate or of the buffer costs a
 *   switch each way, and a step down in the middle of a download throws the segment away.
 *
 * Rungs above the plan's maximum height or the screen are never candidates, nor are rungs whose
 * VMAF (where every rung has one) is not a point above a cheaper rung's: bits nobody sees.
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
  /** Fraction of the estimate the rung playing may use and still be kept (≥ `safety`). */
  keepSafety: number;
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
  keepSafety: 0.95,
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
/** The VMAF a rung must add over every cheaper candidate to be worth its bits. */
const MIN_VMAF_GAIN = 1;

/** The rungs the rule may pick, lowest bitrate first: within the plan's and screen's caps, and
 * (where every rung has a VMAF) each a visible gain over the cheaper ones. */
export function candidates(rungs: readonly Rung[], config: RuleConfig): Rung[] {
  const sorted = [...rungs].sort((a, b) => a.bitrateBps - b.bitrateBps);
  if (sorted.length === 0) {
    return [];
  }
  const screenCap = coveringHeight(sorted, config.screenHeight);
  const cap = Math.min(config.maxHeight, screenCap);
  const allowed = sorted.filter((rung) => rung.height <= cap);
  return allowed.length > 0 ? worthTheirBits(allowed) : [sorted[0]];
}

/** The rungs, lowest first, less those whose VMAF is not {@link MIN_VMAF_GAIN} above the best
 * cheaper rung kept (all of them when a rung's VMAF is unknown). */
function worthTheirBits(ladder: readonly Rung[]): Rung[] {
  if (ladder.some((rung) => rung.vmaf === null)) {
    return [...ladder];
  }
  const kept = [ladder[0]];
  for (const rung of ladder.slice(1)) {
    if ((rung.vmaf ?? 0) >= (kept[kept.length - 1].vmaf ?? 0) + MIN_VMAF_GAIN) {
      kept.push(rung);
    }
  }
  return kept;
}

/** The rung to play next; `rungs` must not be empty. */
export function choose(rungs: readonly Rung[], situation: Situation, config: RuleConfig): Rung {
  const ladder = candidates(rungs, config);
  const throughput = situation.throughputBps ?? config.defaultThroughputBps;
  const current = ladder.findIndex((rung) => rung.id === situation.currentId);
  const wanted = wantedIndex(ladder, situation, throughput, current, config);
  const playing = ladder[current];
  const holds =
    current > wanted &&
    situation.throughputBps !== null &&
    (playing.bitrateBps <= config.keepSafety * throughput ||
      sustainable(playing, situation, throughput, config));
  return ladder[holds ? current : wanted];
}

/** The throughput rule's rung on a short buffer, else BOLA's (lifted one rung at a time, kept
 * sustainable), never below the throughput rule's. */
function wantedIndex(
  ladder: readonly Rung[],
  situation: Situation,
  throughputBps: number,
  current: number,
  config: RuleConfig,
): number {
  const byThroughput = throughputIndex(ladder, throughputBps, config.safety);
  if (situation.bufferS < config.bolaFromBufferS || situation.throughputBps === null) {
    return byThroughput;
  }
  const byBuffer = bolaIndex(ladder, situation.bufferS, config.bufferTargetS);
  const climbLimit = Math.max(byThroughput, current + 1);
  const wanted = Math.max(byThroughput, Math.min(byBuffer, climbLimit));
  return sustainableIndex(ladder, wanted, situation, throughputBps, config);
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
 * Each rung's utility, 1 for the lowest: the log of its bitrate over the lowest's (BOLA's own).
 * Not VMAF: VMAF flattens near the top of a ladder (a few points for twice the bits), so BOLA
 * over it chose a middle rung even with a full buffer and a fast network; VMAF instead keeps
 * rungs that add nothing visible out of the candidates.
 */
export function utilities(ladder: readonly Rung[]): number[] {
  return ladder.map((rung) => 1 + Math.log(rung.bitrateBps / ladder[0].bitrateBps));
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
  let safe = index;
  while (safe > 0 && !sustainable(ladder[safe], situation, throughputBps, config)) {
    safe--;
  }
  return safe;
}

/** Whether `rung`'s next segment arrives before the buffer falls to the reserve, and
 * `horizonSegments` of them in a row would not drain it below the reserve either. */
function sustainable(
  rung: Rung,
  situation: Situation,
  throughputBps: number,
  config: RuleConfig,
): boolean {
  const spareS = Math.max(0, situation.bufferS - config.reserveS);
  const segmentDownloadS = downloadS(rung, situation.segmentS, throughputBps);
  const drainS = config.horizonSegments * (segmentDownloadS - situation.segmentS);
  return segmentDownloadS <= spareS && drainS <= spareS;
}

/** Most of the buffer (in segments) the player is asked to hold before it starts. */
const MAX_HOLD_SEGMENTS = 3;

/**
 * The buffer (s) to hold before playback starts: none while the next segment of `bitrateBps`
 * arrives within a segment's playing time (a segment buffered covers it), else the time that
 * segment takes to arrive on `throughputBps`, at most {@link MAX_HOLD_SEGMENTS} segments. On a
 * link slower than the lowest rung, starting with one segment buffered makes a stall certain a
 * few seconds later; holding a little longer at first (the start-up delay MPC chooses) gives
 * the link time to come back before the picture freezes.
 */
export function holdS(bitrateBps: number, throughputBps: number, segmentS: number): number {
  const arrivalS = (bitrateBps * segmentS) / Math.max(throughputBps, 1);
  return arrivalS <= segmentS ? 0 : Math.min(arrivalS, MAX_HOLD_SEGMENTS * segmentS);
}

function downloadS(rung: Rung, segmentS: number, throughputBps: number): number {
  return (rung.bitrateBps * segmentS) / Math.max(throughputBps, 1);
}

/** The smallest height among the rungs that is at least `screenHeight` (else the tallest). */
function coveringHeight(ladder: readonly Rung[], screenHeight: number): number {
  const heights = ladder.map((rung) => rung.height).sort((a, b) => a - b);
  return heights.find((height) => height >= screenHeight) ?? heights[heights.length - 1];
}
