/**
 * Shaka Player behind the few operations the watch page needs: load a session's DASH manifest
 * with its ClearKey licence server, list and pick tracks, and read playback statistics.
 *
 * Shaka is imported on demand, so its ~700 kB load only with the player and in parallel with
 * the session request.
 */
import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { MarqueeAbrManager, type MarqueeAbrOptions } from './abr/manager';
import { type PrefetchedLicence, licenceHeaders, offerLicence } from './licence';

export interface AudioOption {
  language: string;
  label: string;
  active: boolean;
}

export interface TextOption {
  id: number;
  language: string;
  label: string;
  active: boolean;
}

/** What a heartbeat reports, from the engine's statistics. */
export interface PlaybackStats {
  bitrate_kbps: number;
  buffer_s: number;
  stalls: number;
  dropped_frames: number;
}

/** A rendition as telemetry names it: its picture height and bitrate. */
export interface Rendition {
  height: number;
  bitrate_kbps: number;
}

/** What the engine measures for quality-of-experience telemetry (./telemetry.ts). */
export interface EngineObserver {
  /** The manifest, a licence or a media segment arrived, `ms` after it was asked for. */
  fetched(kind: 'manifest' | 'licence' | 'segment', ms: number, url: string): void;
  /** The rendition playing changed (adaptation, or the viewer's pick of a height). */
  renditionChanged(from: Rendition, to: Rendition): void;
}

/** The buffer ahead, the throughput estimate and the rendition playing, for telemetry. */
export interface DeliveryStats {
  buffer_s: number;
  throughput_kbps: number;
  height: number | null;
  bitrate_kbps: number | null;
}

/** A Shaka failure, reduced to what the page tells the viewer. */
export class PlaybackFailure extends Error {
  constructor(
    readonly kind: 'network' | 'drm' | 'media',
    readonly code: number,
  ) {
    super(`playback failed (${kind}, ${code})`);
  }
}

/** What the engine tells the page as playback goes. */
export interface EngineListener {
  failed(failure: PlaybackFailure): void;
  buffering(on: boolean): void;
  tracksChanged(): void;
}

/** The ABR rule: Marquee's own (./abr) or Shaka's default, for comparisons (`?abr=`). */
export type AbrRule = 'marquee' | 'shaka';

/** How the player adapts: the rule, and what Marquee's rule needs to know of the session. */
export interface AbrSetup extends MarqueeAbrOptions {
  rule: AbrRule;
}

const CLEARKEY = 'org.w3.clearkey';
/** Shaka's rebuffering goal until the picture first moves, under Marquee's rule (below). */
const START_REBUFFERING_GOAL_S = 0.5;
const TRACK_EVENTS = ['trackschanged', 'variantchanged', 'textchanged', 'adaptation'];
let library: Promise<typeof shaka> | null = null;

/** Start downloading Shaka; the page calls this before it asks for a session. */
export function preloadEngine(): Promise<typeof shaka> {
  library ??= import('shaka-player/dist/shaka-player.compiled-es2021').then(({ default: lib }) => {
    lib.polyfill.installAll();
    return lib;
  });
  return library;
}

export class PlaybackEngine {
  private constructor(
    private readonly lib: typeof shaka,
    private readonly player: shaka.Player,
    private readonly withdrawLicence: () => void,
  ) {}

  /** A player on `video` asking `licenseUrl` for keys with the viewer's session and CSRF token
   * unless `licence`, asked for already, has them (./licence.ts), adapting with `abr`'s rule. */
  static async attach(
    video: HTMLVideoElement,
    licenseUrl: string,
    licence: Promise<PrefetchedLicence | null>,
    listener: EngineListener,
    abr: AbrSetup,
  ): Promise<PlaybackEngine> {
    const lib = await preloadEngine();
    const player = new lib.Player();
    await player.attach(video);
    player.configure({
      drm: { servers: { [CLEARKEY]: licenseUrl } },
      abr: { enabled: true, useNetworkInformation: false },
      manifest: { dash: { ignoreMinBufferTime: true } },
      streaming: { bufferingGoal: 30 },
    });
    if (abr.rule === 'marquee') {
      const manager = new MarqueeAbrManager({ ...abr, hold: holdTheStart(player) });
      player.configure('abrFactory', () => manager);
      player.addEventListener('segmentappended', (event) =>
        manager.segmentAppended(String((event as Event & { contentType?: string }).contentType)),
      );
    }
    player.getNetworkingEngine()?.registerRequestFilter((type, request) => {
      if (type === lib.net.NetworkingEngine.RequestType.LICENSE) {
        request.allowCrossSiteCredentials = true;
        Object.assign(request.headers, licenceHeaders());
      }
    });
    const engine = new PlaybackEngine(lib, player, offerLicence(lib, licenseUrl, licence));
    player.addEventListener('error', (event) =>
      listener.failed(engine.failure((event as CustomEvent<unknown>).detail)),
    );
    player.addEventListener('buffering', (event) =>
      listener.buffering((event as Event & { buffering: boolean }).buffering),
    );
    TRACK_EVENTS.forEach((name) => player.addEventListener(name, () => listener.tracksChanged()));
    return engine;
  }

  /** Tells `observer` fetch times and rendition changes; call before `load`. */
  observe(observer: EngineObserver): void {
    const { RequestType } = this.lib.net.NetworkingEngine;
    const kinds = new Map<number, 'manifest' | 'licence' | 'segment'>([
      [RequestType.MANIFEST, 'manifest'],
      [RequestType.LICENSE, 'licence'],
      [RequestType.SEGMENT, 'segment'],
    ]);
    this.player.getNetworkingEngine()?.registerResponseFilter((type, response) => {
      const kind = kinds.get(type);
      if (kind && response.timeMs !== undefined) {
        observer.fetched(kind, response.timeMs, response.uri);
      }
    });
    for (const name of ['adaptation', 'variantchanged']) {
      this.player.addEventListener(name, (event) => {
        const { oldTrack, newTrack } = event as Event & Partial<Record<string, shaka.extern.Track>>;
        if (oldTrack && newTrack && oldTrack.id !== newTrack.id) {
          observer.renditionChanged(rendition(oldTrack), rendition(newTrack));
        }
      });
    }
  }

  async load(manifestUrl: string, startS: number): Promise<void> {
    try {
      await this.player.load(manifestUrl, startS > 0 ? startS : null);
    } catch (error) {
      throw this.failure(error);
    }
  }

  audioOptions(): AudioOption[] {
    const seen = new Set<string>();
    return this.player.getAudioTracks().flatMap((track) => {
      if (seen.has(track.language)) {
        return [];
      }
      seen.add(track.language);
      return [{ language: track.language, label: track.label ?? '', active: track.active }];
    });
  }

  textOptions(): TextOption[] {
    return this.player.getTextTracks().map((track) => ({
      id: track.id,
      language: track.language,
      label: track.label ?? '',
      active: track.active,
    }));
  }

  /** The video heights on offer, highest first. */
  heights(): number[] {
    const heights = this.player
      .getVideoTracks()
      .flatMap((track) => (track.height ? [track.height] : []));
    return [...new Set(heights)].sort((a, b) => b - a);
  }

  activeHeight(): number | null {
    return this.player.getVideoTracks().find((track) => track.active)?.height ?? null;
  }

  selectAudio(language: string): void {
    const track = this.player.getAudioTracks().find((candidate) => candidate.language === language);
    if (track) {
      this.player.selectAudioTrack(track);
    }
  }

  /** Show one text track, or none with `null`. */
  selectText(id: number | null): void {
    this.player.selectTextTrack(
      this.player.getTextTracks().find((track) => track.id === id) ?? null,
    );
  }

  /** A fixed height (adaptive streaming off), or `null` for automatic choice. */
  selectHeight(height: number | null): void {
    this.player.configure({ abr: { enabled: height === null } });
    const track = this.player.getVideoTracks().find((candidate) => candidate.height === height);
    if (track) {
      this.player.selectVideoTrack(track, true);
    }
  }

  stats(): PlaybackStats {
    const stats = this.player.getStats();
    return {
      bitrate_kbps: wholeOrZero(stats.streamBandwidth / 1000),
      buffer_s: Math.max(0, this.bufferAhead()),
      stalls: wholeOrZero(stats.stallsDetected),
      dropped_frames: wholeOrZero(stats.droppedFrames),
    };
  }

  delivery(): DeliveryStats {
    const active = this.player.getVariantTracks().find((track) => track.active);
    return {
      buffer_s: Math.max(0, this.bufferAhead()),
      throughput_kbps: wholeOrZero(this.player.getStats().estimatedBandwidth / 1000),
      height: active?.height ?? null,
      bitrate_kbps: active ? wholeOrZero(active.bandwidth / 1000) : null,
    };
  }

  destroy(): Promise<unknown> {
    this.withdrawLicence();
    return this.player.destroy();
  }

  private bufferAhead(): number {
    const video = this.player.getMediaElement();
    if (!video) {
      return 0;
    }
    const ranges = this.player.getBufferedInfo().total;
    const holding = ranges.find(
      (range) => range.start <= video.currentTime + 0.1 && range.end > video.currentTime,
    );
    return holding ? Math.round((holding.end - video.currentTime) * 10) / 10 : 0;
  }

  private failure(error: unknown): PlaybackFailure {
    const { Category } = this.lib.util.Error;
    const detail = error instanceof this.lib.util.Error ? error : null;
    const category = detail?.category;
    const kind =
      category === Category.DRM ? 'drm' : category === Category.NETWORK ? 'network' : 'media';
    return new PlaybackFailure(kind, detail?.code ?? 0);
  }
}

function wholeOrZero(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

function rendition(track: shaka.extern.Track): Rendition {
  return { height: track.height ?? 0, bitrate_kbps: wholeOrZero(track.bandwidth / 1000) };
}

/**
 * The hold Marquee's rule asks for (./abr/rule.ts `holdS`), applied to the start only, as
 * Shaka's `streaming.rebufferingGoal`: from load until the first time Shaka stops buffering the
 * goal is at least {@link START_REBUFFERING_GOAL_S} (at 0 Shaka leaves buffering to the media
 * element's events, and a goal raised later waits for the next stall), then 0, Shaka's default.
 * Mid-play, a goal above 0 made Shaka freeze the picture with a quarter of a second still
 * buffered and wait for the whole goal, which turned near misses into stalls (bench/abr.py).
 */
function holdTheStart(player: shaka.Player): (seconds: number) => void {
  let starting = true;
  const goal = (seconds: number): unknown => player.configure('streaming.rebufferingGoal', seconds);
  goal(START_REBUFFERING_GOAL_S);
  const started = (event: Event): void => {
    if (starting && !(event as Event & { buffering: boolean }).buffering) {
      starting = false;
      goal(0);
      player.removeEventListener('buffering', started);
    }
  };
  player.addEventListener('buffering', started);
  return (seconds) => {
    if (starting) {
      goal(Math.max(seconds, START_REBUFFERING_GOAL_S));
    }
  };
}
