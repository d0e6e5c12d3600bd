/**
 * Marquee's rule (./rule.ts) as a Shaka `AbrManager`: it turns Shaka's variants into rungs,
 * measures throughput from the segments Shaka reports, reads the buffer from the media element,
 * and asks Shaka to switch when the rule's choice changes.
 */
import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { DEFAULT_RULE_CONFIG, type Rung, type RuleConfig, choose, holdS } from './rule';
import { rememberThroughput } from './startup';
import { ThroughputHistory } from './throughput';

/** A rendition as the session answer describes it. */
export interface RenditionQuality {
  height: number;
  bitrateKbps: number;
  vmaf: number | null;
}

/** What the page knows about the session that Shaka's variants do not say. */
export interface MarqueeAbrOptions {
  /** The plan's tallest rendition (the session answer's `max_height`). */
  maxHeight: number;
  /** The renditions' measured bitrate and VMAF, where the session answer carries them. */
  renditions: readonly RenditionQuality[];
  /** The media segment duration (s). */
  segmentS: number;
  /** The rule's parameters an experiment's variant sets (`abr_parameters`), over the defaults. */
  tuning?: Partial<RuleConfig>;
  /** The throughput (bit/s) to start from before any is measured (./startup.ts), if known
   * by the time the rule first decides. */
  startBps?: () => number | null;
  /** Told the buffer (s) to hold before playback starts ({@link holdS}) when it changes; the
   * engine sets Shaka's `streaming.rebufferingGoal` to it until the picture first moves. */
  hold?: (seconds: number) => void;
}

/** A new hold is passed on when it differs from the last by this much (s) or goes to 0. */
const HOLD_STEP_S = 0.5;

type Variant = shaka.extern.Variant;

export class MarqueeAbrManager implements shaka.extern.AbrManager {
  private switchTo: shaka.extern.AbrManager.SwitchCallback | null = null;
  private variants: Variant[] = [];
  private enabled = false;
  private media: HTMLMediaElement | null = null;
  private restrictions: shaka.extern.Restrictions | null = null;
  private defaultBps = DEFAULT_RULE_CONFIG.defaultThroughputBps;
  private readonly history = new ThroughputHistory();
  private chosen: Variant | null = null;
  private heldS = 0;

  constructor(private readonly options: MarqueeAbrOptions) {}

  init(switchCallback: shaka.extern.AbrManager.SwitchCallback): void {
    this.switchTo = switchCallback;
  }

  stop(): void {
    this.switchTo = null;
    this.enabled = false;
    this.remember();
  }

  release(): void {
    this.stop();
    this.variants = [];
    this.media = null;
    this.chosen = null;
  }

  setVariants(variants: Variant[]): boolean {
    const changed =
      variants.length !== this.variants.length ||
      variants.some((variant, i) => variant !== this.variants[i]);
    this.variants = variants;
    return changed;
  }

  chooseVariant(): Variant {
    const playable = this.playable();
    const rungs = playable.map((variant) => this.rung(variant));
    const measured = this.history.estimateBps();
    const pick = choose(
      rungs,
      {
        bufferS: this.bufferAheadS(),
        throughputBps: measured ?? this.options.startBps?.() ?? null,
        currentId: this.chosen?.id ?? null,
        segmentS: this.options.segmentS,
      },
      this.config(),
    );
    this.chosen = playable.find((variant) => variant.id === pick.id) ?? playable[0];
    return this.chosen;
  }

  enable(): void {
    this.enabled = true;
  }

  disable(): void {
    this.enabled = false;
  }

  /**
   * A piece of a download arrived (Shaka reports them every 100 ms or so). Only a step down
   * is taken at once: a switch while a segment downloads makes Shaka abort that download
   * where its buffer allows, so a step up waits for the segment's end ({@link segmentAppended}).
   */
  segmentDownloaded(deltaTimeMs: number, numBytes: number, allowSwitch: boolean): void {
    this.history.add(numBytes, deltaTimeMs, performance.now());
    if (allowSwitch) {
      this.suggest('down');
    }
    this.updateHold();
  }

  /** A segment was appended: the moment to decide on the next one (up or down), and to keep
   * the estimate on the device. Kept at every video segment, not only when the player stops:
   * a closed tab or a page left by the browser's own navigation never stops the player. */
  segmentAppended(contentType: string): void {
    if (contentType === 'video') {
      this.remember();
      this.suggest('any');
    }
  }

  trySuggestStreams(): void {
    this.suggest('any');
  }

  getBandwidthEstimate(): number {
    return this.history.estimateBps() ?? this.options.startBps?.() ?? this.defaultBps;
  }

  playbackRateChanged(): void {
    // The rule reasons in media seconds; the buffer it reads already is one.
  }

  setMediaElement(mediaElement: HTMLMediaElement | null): void {
    this.media = mediaElement;
  }

  setCmsdManager(): void {
    // Server-side hints (CMSD) are not used: Marquee's edges send none.
  }

  configure(config: shaka.extern.AbrConfiguration): void {
    this.restrictions = config.restrictions;
    this.defaultBps = config.defaultBandwidthEstimate || this.defaultBps;
  }

  /** Asks Shaka to switch when the rule now prefers another variant (`down`: a lower one
   * only; a higher choice is then left for later). */
  private suggest(allowed: 'down' | 'any'): void {
    if (!this.enabled || !this.switchTo || this.variants.length === 0) {
      return;
    }
    const before = this.chosen;
    const next = this.chooseVariant();
    if (allowed === 'down' && before && next.bandwidth > before.bandwidth) {
      this.chosen = before;
      return;
    }
    if (next !== before) {
      this.switchTo(next);
    }
  }

  /** Passes on the buffer to hold for the variant chosen on the link measured so far. */
  private updateHold(): void {
    const measured = this.history.estimateBps();
    if (!this.options.hold || measured === null || !this.chosen) {
      return;
    }
    const seconds = holdS(this.chosen.bandwidth, measured, this.options.segmentS);
    if (Math.abs(seconds - this.heldS) >= HOLD_STEP_S || (seconds === 0 && this.heldS > 0)) {
      this.heldS = seconds;
      this.options.hold(seconds);
    }
  }

  /** Keeps the estimate on the device, where the next playback starts from it (./startup.ts). */
  private remember(): void {
    const measured = this.history.estimateBps();
    if (measured !== null) {
      rememberThroughput(measured);
    }
  }

  /** Variants within Shaka's ABR restrictions (all of them when none passes). */
  private playable(): Variant[] {
    const limits = this.restrictions;
    const allowed = this.variants.filter(
      (variant) =>
        !limits ||
        ((variant.video?.height ?? 0) <= limits.maxHeight &&
          (variant.video?.width ?? 0) <= limits.maxWidth &&
          variant.bandwidth <= limits.maxBandwidth),
    );
    return allowed.length > 0 ? allowed : this.variants;
  }

  private rung(variant: Variant): Rung {
    const height = variant.video?.height ?? 0;
    return {
      id: variant.id,
      bitrateBps: variant.bandwidth,
      height,
      vmaf: this.vmafOf(height, (variant.video?.bandwidth ?? variant.bandwidth) / 1000),
    };
  }

  /** The VMAF of the rendition of this height nearest in bitrate (a per-title ladder may
   * hold two renditions of one height). */
  private vmafOf(height: number, kbps: number): number | null {
    let vmaf: number | null = null;
    let distance = Number.POSITIVE_INFINITY;
    for (const rendition of this.options.renditions) {
      const apart = Math.abs(rendition.bitrateKbps - kbps);
      if (rendition.height === height && apart < distance) {
        vmaf = rendition.vmaf;
        distance = apart;
      }
    }
    return vmaf;
  }

  private config(): RuleConfig {
    return {
      ...DEFAULT_RULE_CONFIG,
      ...this.options.tuning,
      maxHeight: this.options.maxHeight,
      screenHeight: screenHeightPx(),
      defaultThroughputBps: this.defaultBps,
    };
  }

  private bufferAheadS(): number {
    const media = this.media;
    if (!media) {
      return 0;
    }
    const now = media.currentTime;
    for (let i = 0; i < media.buffered.length; i++) {
      if (media.buffered.start(i) <= now + 0.1 && media.buffered.end(i) > now) {
        return media.buffered.end(i) - now;
      }
    }
    return 0;
  }
}

/** The screen's short side in device pixels: a rendition taller than the one covering it is
 * waste (the short side, so a phone held upright still counts its landscape height). */
function screenHeightPx(): number {
  const shortSide = Math.min(screen.width, screen.height) * (devicePixelRatio || 1);
  return shortSide > 0 ? shortSide : Number.POSITIVE_INFINITY;
}
