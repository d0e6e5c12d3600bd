import { api, type Schemas } from '../api/client';
import type { DeliveryStats, EngineObserver, Rendition } from './engine';
import { playClickedAt } from './play-mark';

type TelemetryEvent = Schemas['TelemetryBatch']['events'][number];
type Kind = TelemetryEvent['kind'];
/** An event of `kind` as the caller measures it (the id, time and position are added here). */
type Measures<K extends Kind> = Omit<
  Extract<TelemetryEvent, { kind: K }>,
  'id' | 'at' | 'kind' | 'position_s'
>;

const SEND_INTERVAL_MS = 10_000;
/** The server's default `MARQUEE_ANALYTICS_TELEMETRY_MAX_EVENTS`. */
const MAX_BATCH = 200;
/** Events kept for a later try while the server cannot be reached; the oldest go first. */
const MAX_WAITING = 1_000;

/**
 * The player's quality-of-experience telemetry for one playback session (docs/analytics.md):
 * `startup` at the first frame, `stall_start`/`stall_end` when the picture waits for data after
 * it first played, `quality_change`, `error`, and a `sample` every 10 s (buffer, throughput,
 * dropped frames, edge, time played). Events are batched to
 * `POST /api/v1/playback/sessions/{id}/events` every 10 s, and with `keepalive` when the title
 * ends and when the page is hidden or left, so the last seconds still reach the server.
 */
export class PlayerTelemetry implements EngineObserver {
  private readonly clickedAt = playClickedAt();
  private readonly idPrefix = randomId();
  private readonly listening = new AbortController();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly steps: Partial<Measures<'startup'>> = {};
  private waiting: TelemetryEvent[] = [];
  private sequence = 0;
  private edgeHost = '';
  private hasStarted = false;
  private hasPlayed = false;
  private stalledSince: number | null = null;
  private playingSince: number | null = null;
  private playedMs = 0;
  private droppedBefore = 0;
  private stopped = false;

  constructor(
    private readonly sessionId: string,
    private readonly video: HTMLVideoElement,
    private readonly delivery: () => DeliveryStats | null,
  ) {
    this.timer = setInterval(() => this.sampleAndSend(false), SEND_INTERVAL_MS);
    this.droppedBefore = droppedFrames(video);
    this.listen();
  }

  fetched(kind: 'manifest' | 'licence' | 'segment', ms: number, url: string): void {
    const step = `${kind === 'segment' ? 'first_segment' : kind}_ms` as const;
    this.steps[step] ??= Math.round(ms);
    if (kind === 'segment') {
      this.edgeHost = hostOf(url);
    }
  }

  renditionChanged(from: Rendition, to: Rendition): void {
    this.record('quality_change', {
      from_height: from.height,
      to_height: to.height,
      from_bitrate_kbps: from.bitrate_kbps,
      to_bitrate_kbps: to.bitrate_kbps,
    });
  }

  /** A playback failure (the engine's kind and code where it has them): sent at once. */
  failed(error: unknown): void {
    const detail = (error ?? {}) as { kind?: string; code?: number; name?: string };
    const code = detail.kind ? `${detail.kind}-${detail.code ?? 0}` : (detail.name ?? 'unknown');
    const message = error instanceof Error ? error.message : String(error);
    this.record('error', { code: code.slice(0, 64), message: message.slice(0, 500) });
    this.sampleAndSend(false);
  }

  /** The last sample and everything waiting, sent with `keepalive`; later calls do nothing. */
  stop(): void {
    if (this.stopped) {
      return;
    }
    this.sampleAndSend(true);
    this.stopped = true;
    clearInterval(this.timer);
    this.listening.abort();
  }

  // --- what the page and the video say ------------------------------------------------

  private listen(): void {
    const options = { signal: this.listening.signal };
    const on = (target: EventTarget, name: string, handler: () => void): void =>
      target.addEventListener(name, handler, options);
    on(this.video, 'playing', () => this.onPlaying());
    on(this.video, 'waiting', () => this.onWaiting());
    on(this.video, 'ratechange', () => this.onRateChange());
    on(this.video, 'pause', () => this.stopClock());
    on(this.video, 'ended', () => {
      this.stopClock();
      this.sampleAndSend(true);
    });
    on(window, 'pagehide', () => this.sampleAndSend(true));
    on(document, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') {
        this.sampleAndSend(true);
      }
    });
    if ('requestVideoFrameCallback' in this.video) {
      const onFrame = (): void => {
        if (this.moving()) {
          this.onFirstFrame();
        } else {
          this.video.requestVideoFrameCallback(onFrame);
        }
      };
      this.video.requestVideoFrameCallback(onFrame);
    } else {
      on(this.video, 'playing', () => this.onFirstFrame());
    }
  }

  private onFirstFrame(): void {
    if (this.hasStarted || this.stopped) {
      return;
    }
    this.hasStarted = true;
    this.record('startup', {
      startup_ms: Math.round(performance.now() - this.clickedAt),
      ...this.steps,
    });
  }

  /**
   * Whether the picture moves. While it buffers to its rebuffering goal, Shaka holds playback
   * at rate 0 rather than pausing (the video says `playing`): the start is the first frame shown
   * while it moves, and a hold after it is a stall.
   */
  private moving(): boolean {
    return !this.video.paused && this.video.playbackRate > 0;
  }

  private onRateChange(): void {
    if (this.video.paused) {
      return;
    }
    if (this.video.playbackRate === 0) {
      this.onWaiting();
    } else if (this.video.readyState >= HTMLMediaElement.HAVE_FUTURE_DATA) {
      this.onPlaying();
    }
  }

  private onPlaying(): void {
    if (!this.moving()) {
      return;
    }
    this.hasPlayed = true;
    if (this.stalledSince !== null) {
      this.record('stall_end', { duration_ms: Math.round(performance.now() - this.stalledSince) });
      this.stalledSince = null;
    }
    this.playingSince ??= performance.now();
  }

  /** Waiting for data after playing has begun is a stall, unless the viewer is seeking. */
  private onWaiting(): void {
    this.stopClock();
    if (this.hasPlayed && !this.video.seeking && this.stalledSince === null) {
      this.stalledSince = performance.now();
      this.record('stall_start', {});
    }
  }

  private stopClock(): void {
    if (this.playingSince !== null) {
      this.playedMs += performance.now() - this.playingSince;
      this.playingSince = null;
    }
  }

  /** Time played since the previous sample; the clock goes on if playing goes on. */
  private takePlayedMs(): number {
    const playing = this.playingSince !== null;
    this.stopClock();
    const played = Math.round(this.playedMs);
    this.playedMs = 0;
    if (playing) {
      this.playingSince = performance.now();
    }
    return played;
  }

  // --- events and sending ---------------------------------------------------------------

  private sampleAndSend(keepalive: boolean): void {
    if (this.stopped) {
      return;
    }
    const dropped = droppedFrames(this.video);
    const delivery = this.delivery();
    this.record('sample', {
      buffer_s: delivery?.buffer_s ?? 0,
      throughput_kbps: delivery?.throughput_kbps ?? 0,
      dropped_frames: Math.max(0, dropped - this.droppedBefore),
      edge_host: this.edgeHost || location.host,
      height: delivery?.height ?? null,
      bitrate_kbps: delivery?.bitrate_kbps ?? null,
      played_ms: this.takePlayedMs(),
    });
    this.droppedBefore = dropped;
    this.send(keepalive);
  }

  private record<K extends Kind>(kind: K, measures: Measures<K>): void {
    const position = this.video.currentTime;
    this.waiting.push({
      ...measures,
      kind,
      id: `${this.idPrefix}-${++this.sequence}`,
      at: new Date().toISOString(),
      position_s: Number.isFinite(position) ? Math.round(position * 10) / 10 : 0,
    } as TelemetryEvent);
  }

  /** Sends what waits, a batch at a time; a batch the server could not take waits again. */
  private send(keepalive: boolean): void {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      void this.post(batch, keepalive);
    }
  }

  private async post(events: TelemetryEvent[], keepalive: boolean): Promise<void> {
    const retry = await api
      .POST('/api/v1/playback/sessions/{session_id}/events', {
        params: { path: { session_id: this.sessionId } },
        body: { events },
        keepalive,
      })
      .then(({ response }) => response.status === 429 || response.status >= 500)
      .catch(() => true);
    if (retry) {
      this.waiting = [...events, ...this.waiting].slice(-MAX_WAITING);
    }
  }
}

function droppedFrames(video: HTMLVideoElement): number {
  return video.getVideoPlaybackQuality?.().droppedVideoFrames ?? 0;
}

function hostOf(url: string): string {
  try {
    return new URL(url, location.href).host;
  } catch {
    return '';
  }
}

/** A short random prefix for event ids (`crypto.randomUUID` needs a secure context). */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
