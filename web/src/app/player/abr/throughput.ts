/**
 * Throughput history: the download samples the player reports (bytes over the milliseconds
 * they took), reduced to a cautious estimate. Downloads that share the network at the same time
 * (a video segment beside an audio one) count their common time once: each sample adds only
 * the time after the end of the previous one, so two halves of one link add up to the link. Two windows of recent transfer time, a short one
 * that sees a drop within a segment or two and a long one that ignores a single fast burst; the
 * estimate is the lower of the two, so it falls fast and rises slowly.
 */

/** Samples smaller than this say more about latency than throughput: they are ignored. */
const MIN_SAMPLE_BYTES = 16_000;

/** The two windows of transfer time (ms) the estimate looks at. */
export interface ThroughputWindows {
  fastMs: number;
  slowMs: number;
}

export const DEFAULT_WINDOWS: ThroughputWindows = { fastMs: 3_000, slowMs: 12_000 };

interface Sample {
  bytes: number;
  /** The transfer time the sample adds: what did not overlap the samples before it. */
  ms: number;
}

export class ThroughputHistory {
  private samples: Sample[] = [];
  private lastEndMs = 0;

  constructor(private readonly windows: ThroughputWindows = DEFAULT_WINDOWS) {}

  /** Records `bytes` that took `ms` to arrive, ending at `endMs` (the caller's clock; by default
   * right after the previous sample, as if downloads never overlapped). */
  add(bytes: number, ms: number, endMs: number = this.lastEndMs + ms): void {
    if (bytes < MIN_SAMPLE_BYTES || !(ms > 0)) {
      return;
    }
    const ownMs = endMs - Math.max(endMs - ms, this.lastEndMs);
    this.lastEndMs = Math.max(this.lastEndMs, endMs);
    if (ownMs <= 0) {
      const last = this.samples.at(-1);
      if (last) {
        last.bytes += bytes;
      }
      return;
    }
    this.samples.push({ bytes, ms: ownMs });
    let keptMs = 0;
    let keep = this.samples.length;
    while (keep > 0 && keptMs < this.windows.slowMs) {
      keep--;
      keptMs += this.samples[keep].ms;
    }
    this.samples = this.samples.slice(keep);
  }

  /** The estimate in bit/s, or null before any sample. */
  estimateBps(): number | null {
    if (this.samples.length === 0) {
      return null;
    }
    return Math.min(this.windowBps(this.windows.fastMs), this.windowBps(this.windows.slowMs));
  }

  /** Bits over milliseconds of the newest samples covering `windowMs` of transfer time. */
  private windowBps(windowMs: number): number {
    let bytes = 0;
    let ms = 0;
    for (let i = this.samples.length - 1; i >= 0 && ms < windowMs; i--) {
      bytes += this.samples[i].bytes;
      ms += this.samples[i].ms;
    }
    return (bytes * 8 * 1000) / ms;
  }
}
