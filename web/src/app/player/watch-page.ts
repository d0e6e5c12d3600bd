import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  type OnDestroy,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { DatePipe } from '@angular/common';
import { Router, RouterLink } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';
import { Session } from '../core/session';
import { clock, languageName } from '../title/format';
import { ChoiceMenu, type Choice } from './choice-menu';
import {
  type AbrSetup,
  type AudioOption,
  PlaybackEngine,
  type TextOption,
  preloadEngine,
} from './engine';
import { type AbrVariant, abrVariant, reportExposure } from './abr/experiment';
import { StartupThroughput } from './abr/startup';
import { type PrefetchedLicence, prefetchLicence } from './licence';
import { type EpisodeRef, currentEpisode, nextEpisode } from './next-episode';
import { PostPlay } from './post-play';
import { type PlayerProblem, playerProblem } from './problem';
import { type ReportedState, SessionReporter, stopSession } from './reporter';
import { PlayerTelemetry } from './telemetry';
import { type Thumbnail, loadThumbnails, thumbnailAt } from './trickplay';

type SessionStarted = Schemas['SessionStarted'];
type ViewState = 'loading' | 'playing' | 'paused' | 'ended' | 'error';

/** What the seek bar shows under the pointer or while dragging. */
interface SeekPreview {
  timeS: number;
  leftPercent: number;
  thumb: Thumbnail | null;
}

const SEEK_STEP_S = 10;
const VOLUME_STEP = 0.1;
const CONTROLS_IDLE_MS = 3000;
const AUTO = 'auto';
const OFF = 'off';
/** The media segment duration the packager uses by default (`MARQUEE_MEDIA_SEGMENT_S`). */
const SEGMENT_S = 4;

/**
 * The player (`/watch/:titleId?episode=…`): opens a playback session, plays its DASH manifest
 * with Shaka (ClearKey), reports heartbeats, and offers its own controls and shortcuts.
 *
 * The root carries `data-state` (loading, playing, paused, ended, error) for tests, and the
 * first presented frame records `performance.mark('marquee-first-frame')` for the benchmark.
 */
@Component({
  selector: 'app-watch-page',
  imports: [ChoiceMenu, DatePipe, PostPlay, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './watch-page.html',
  styleUrl: './watch-page.css',
  host: {
    '(document:keydown)': 'onKey($event)',
    '(document:fullscreenchange)': 'onFullscreenChange()',
    '(window:pagehide)': 'reporter?.stop()',
  },
})
export class WatchPage implements OnDestroy {
  /** From the route `/watch/:titleId`. */
  readonly titleId = input.required<string>();
  /** From the query `?episode=`: that episode of a series, else where the profile is. */
  readonly episode = input<string>();
  /** From the query `?abr=`: `shaka` plays with Shaka's default ABR rule, else Marquee's. */
  readonly abr = input<string>();

  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly root = viewChild.required<ElementRef<HTMLElement>>('root');
  private readonly videoRef = viewChild.required<ElementRef<HTMLVideoElement>>('video');

  protected readonly state = signal<ViewState>('loading');
  protected readonly buffering = signal(false);
  protected readonly position = signal(0);
  protected readonly duration = signal(0);
  protected readonly volume = signal(1);
  protected readonly muted = signal(false);
  protected readonly soundBlocked = signal(false);
  protected readonly fullscreen = signal(false);
  protected readonly controlsShown = signal(true);
  protected readonly problem = signal<PlayerProblem | null>(null);
  protected readonly next = signal<EpisodeRef | null>(null);
  protected readonly preview = signal<SeekPreview | null>(null);
  protected readonly heading = signal('');
  protected readonly episodeLabel = signal('');
  private readonly audio = signal<AudioOption[]>([]);
  private readonly texts = signal<TextOption[]>([]);
  private readonly heights = signal<number[]>([]);
  private readonly fixedHeight = signal<number | null>(null);
  private readonly menusOpen = signal(0);

  protected readonly audioChoices = computed<Choice[]>(() =>
    this.audio().length
      ? this.audio().map((track) => ({
          value: track.language,
          label: trackName(track),
          checked: track.active,
        }))
      : [{ value: '', label: 'Original', checked: true }],
  );
  protected readonly subtitleChoices = computed<Choice[]>(() => [
    { value: OFF, label: 'Off', checked: !this.texts().some((track) => track.active) },
    ...this.texts().map((track) => ({
      value: String(track.id),
      label: trackName(track),
      checked: track.active,
    })),
  ]);
  protected readonly qualityChoices = computed<Choice[]>(() => [
    { value: AUTO, label: 'Auto', checked: this.fixedHeight() === null },
    ...this.heights().map((height) => ({
      value: String(height),
      label: `${height}p`,
      checked: this.fixedHeight() === height,
    })),
  ]);
  /** The watching profile's choice: the next episode starts by itself after a countdown. */
  protected readonly autoplayNext = computed(() => this.session.profile()?.autoplay_next ?? true);
  protected readonly profileId = computed(() => this.session.profile()?.id ?? '');
  protected readonly showControls = computed(
    () => this.controlsShown() || this.state() !== 'playing' || this.menusOpen() > 0,
  );
  protected readonly clock = clock;

  protected reporter: SessionReporter | null = null;
  /** Settles once the server knows the title ended (the end screen's rows then include it). */
  protected endReported: Promise<void> = Promise.resolve();
  private engine: PlaybackEngine | null = null;
  private telemetry: PlayerTelemetry | null = null;
  private thumbnails: Thumbnail[] = [];
  private lastSubtitle: number | null = null;
  private attempt = 0;
  private scrubbing = false;
  private seeking = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    effect(() => {
      const target = { titleId: this.titleId(), episodeId: this.episode() ?? null };
      untracked(() => void this.start(target.titleId, target.episodeId));
    });
  }

  ngOnDestroy(): void {
    this.attempt++;
    clearTimeout(this.idleTimer);
    void this.release();
  }

  // --- starting and stopping -----------------------------------------------------------

  private async start(titleId: string, episodeId: string | null, pin?: string): Promise<void> {
    const attempt = ++this.attempt;
    await this.release();
    this.reset();
    void preloadEngine();
    // Given no ?abr=, the profile's experiment variant may choose the rule (read meanwhile).
    const variant = this.abr() ? Promise.resolve(null) : abrVariant(this.profileId());
    const startup = new StartupThroughput(); // asked beside the session, never waited for
    try {
      const started = await this.openSession(titleId, episodeId, pin);
      if (attempt !== this.attempt) {
        stopSession(started.session_id);
        return;
      }
      // Asked beside Shaka's manifest fetch, handed to Shaka when it asks (./licence.ts).
      const licence = prefetchLicence(started.license_url, started.key_ids ?? []);
      this.reporter = new SessionReporter(started.session_id, () => this.snapshot());
      this.telemetry = new PlayerTelemetry(started.session_id, this.video, () =>
        this.engine ? this.engine.delivery() : null,
      );
      void this.loadSurroundings(started, attempt);
      await this.play(started, licence, attempt, await variant, startup);
    } catch (error) {
      if (attempt === this.attempt) {
        this.fail(error);
      }
    }
  }

  private openSession(
    titleId: string,
    episodeId: string | null,
    pin?: string,
  ): Promise<SessionStarted> {
    const profileId = this.session.profile()?.id ?? '';
    const target = episodeId ? { episode_id: episodeId } : { title_id: titleId };
    return ok(
      api.POST('/api/v1/playback/sessions', {
        body: { ...target, profile_id: profileId, pin: pin ?? null },
      }),
    );
  }

  private async play(
    started: SessionStarted,
    licence: Promise<PrefetchedLicence | null>,
    attempt: number,
    variant: AbrVariant | null,
    startup: StartupThroughput,
  ): Promise<void> {
    const video = this.videoRef().nativeElement;
    const engine = await PlaybackEngine.attach(
      video,
      started.license_url,
      licence,
      {
        failed: (failure) => {
          if (attempt === this.attempt) {
            this.fail(failure);
          }
        },
        buffering: (on) => this.buffering.set(on),
        tracksChanged: () => this.readTracks(),
      },
      this.abrSetup(started, variant, startup),
    );
    if (attempt !== this.attempt) {
      await engine.destroy();
      return;
    }
    this.engine = engine;
    if (this.telemetry) {
      engine.observe(this.telemetry);
    }
    if ('requestVideoFrameCallback' in video) {
      video.requestVideoFrameCallback(() => performance.mark('marquee-first-frame'));
    }
    await engine.load(started.manifests.dash, started.resume_position_s);
    if (attempt === this.attempt) {
      if (variant) {
        reportExposure(variant, this.profileId());
      }
      this.readTracks();
      await this.autoplay(video);
    }
  }

  /** The ABR rule asked for (`?abr=`, else the experiment variant's, else Marquee's), with
   * the session's plan cap, its renditions' VMAF and the throughput to start from. */
  private abrSetup(
    started: SessionStarted,
    variant: AbrVariant | null,
    startup: StartupThroughput,
  ): AbrSetup {
    const asked = this.abr() ?? variant?.rule;
    return {
      rule: asked === 'shaka' ? 'shaka' : 'marquee',
      tuning: variant?.tuning,
      startBps: () => startup.known(),
      maxHeight: started.max_height,
      renditions: (started.renditions ?? []).map((rendition) => ({
        height: rendition.height,
        bitrateKbps: rendition.bitrate_kbps,
        vmaf: rendition.vmaf ?? null,
      })),
      segmentS: SEGMENT_S,
    };
  }

  /** Starts playing; where the browser refuses sound without a gesture, plays muted. */
  private async autoplay(video: HTMLVideoElement): Promise<void> {
    try {
      await video.play();
    } catch (error) {
      if (!(error instanceof DOMException) || error.name !== 'NotAllowedError') {
        return;
      }
      video.muted = true;
      this.soundBlocked.set(true);
      await video.play().catch(() => this.state.set('paused'));
    }
  }

  /** The title's name, next episode and trick-play thumbnails: nice to have, never blocking. */
  private async loadSurroundings(started: SessionStarted, attempt: number): Promise<void> {
    const [title, thumbnails] = await Promise.all([
      ok(
        api.GET('/api/v1/titles/{title_id}', { params: { path: { title_id: started.title_id } } }),
      ).catch(() => null),
      started.thumbnails ? loadThumbnails(started.thumbnails) : Promise.resolve([]),
    ]);
    if (attempt !== this.attempt) {
      return;
    }
    this.thumbnails = thumbnails;
    if (title) {
      this.heading.set(title.title);
      this.episodeLabel.set(currentEpisode(title, started.episode_id)?.label ?? '');
      this.next.set(nextEpisode(title, started.episode_id));
    }
  }

  /** Stops the session (frees the stream slot) and the engine. */
  private async release(): Promise<void> {
    this.reporter?.stop();
    this.reporter = null;
    this.telemetry?.stop();
    this.telemetry = null;
    const engine = this.engine;
    this.engine = null;
    await engine?.destroy();
  }

  private reset(): void {
    this.state.set('loading');
    this.problem.set(null);
    this.position.set(0);
    this.duration.set(0);
    this.next.set(null);
    this.episodeLabel.set('');
    this.audio.set([]);
    this.texts.set([]);
    this.heights.set([]);
    this.fixedHeight.set(null);
    this.thumbnails = [];
  }

  private fail(error: unknown): void {
    this.problem.set(playerProblem(error));
    this.state.set('error');
    this.telemetry?.failed(error);
    this.reporter?.stop();
    if (document.fullscreenElement) {
      void document.exitFullscreen();
    }
  }

  protected retry(pin?: string): void {
    void this.start(this.titleId(), this.episode() ?? null, pin);
  }

  protected submitPin(event: Event, pin: string): void {
    event.preventDefault();
    this.retry(pin);
  }

  // --- the video element's events ------------------------------------------------------

  protected onPlaying(): void {
    this.state.set('playing');
    this.wake();
  }

  protected onPause(): void {
    if (!this.video.ended && this.state() !== 'error') {
      this.state.set('paused');
      void this.reporter?.beat();
    }
  }

  protected onEnded(): void {
    this.endReported = this.reporter?.beat() ?? Promise.resolve();
    this.state.set('ended');
  }

  protected onTime(): void {
    if (!this.scrubbing) {
      this.position.set(this.video.currentTime);
    }
  }

  protected onSeeking(): void {
    this.seeking = true;
  }

  protected onSeeked(): void {
    this.seeking = false;
    void this.reporter?.beat();
  }

  protected onVolume(): void {
    this.volume.set(this.video.volume);
    this.muted.set(this.video.muted);
    if (!this.video.muted) {
      this.soundBlocked.set(false);
    }
  }

  protected onFullscreenChange(): void {
    this.fullscreen.set(document.fullscreenElement !== null);
  }

  protected onDuration(): void {
    this.duration.set(Number.isFinite(this.video.duration) ? this.video.duration : 0);
  }

  /** Tracks can change after loading (adaptation, manual picks): read them again. */
  private readTracks(): void {
    if (this.engine) {
      this.audio.set(this.engine.audioOptions());
      this.texts.set(this.engine.textOptions());
      this.heights.set(this.engine.heights());
    }
  }

  // --- controls ------------------------------------------------------------------------

  protected togglePlay(): void {
    if (this.state() === 'error' || this.state() === 'loading') {
      return;
    }
    if (this.video.paused || this.video.ended) {
      void this.video.play().catch(() => undefined);
    } else {
      this.video.pause();
    }
  }

  protected seekBy(seconds: number): void {
    this.seekTo(this.video.currentTime + seconds);
  }

  protected scrub(event: Event): void {
    this.scrubbing = true;
    const timeS = Number((event.target as HTMLInputElement).value);
    this.position.set(timeS);
    this.showPreview(timeS);
  }

  protected commitSeek(event: Event): void {
    this.scrubbing = false;
    this.preview.set(null);
    this.seekTo(Number((event.target as HTMLInputElement).value));
  }

  protected hoverSeek(event: PointerEvent): void {
    const bar = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (event.clientX - bar.left) / bar.width));
    this.showPreview(fraction * this.duration());
  }

  protected leaveSeek(): void {
    if (!this.scrubbing) {
      this.preview.set(null);
    }
  }

  protected setVolume(event: Event): void {
    this.changeVolume(Number((event.target as HTMLInputElement).value));
  }

  protected toggleMute(): void {
    this.video.muted = !this.video.muted;
    if (!this.video.muted && this.video.volume === 0) {
      this.video.volume = 0.5;
    }
  }

  protected unmute(): void {
    this.video.muted = false;
  }

  protected toggleFullscreen(): void {
    if (document.fullscreenElement) {
      void document.exitFullscreen();
    } else {
      void this.root()
        .nativeElement.requestFullscreen?.()
        .catch(() => undefined);
    }
  }

  protected pickAudio(language: string): void {
    if (language) {
      this.engine?.selectAudio(language);
      this.readTracks();
    }
  }

  protected pickSubtitle(value: string): void {
    const id = value === OFF ? null : Number(value);
    this.lastSubtitle = id ?? this.lastSubtitle;
    this.engine?.selectText(id);
    this.readTracks();
  }

  protected pickQuality(value: string): void {
    const height = value === AUTO ? null : Number(value);
    this.fixedHeight.set(height);
    this.engine?.selectHeight(height);
  }

  protected menuToggled(open: boolean): void {
    this.menusOpen.update((count) => Math.max(0, count + (open ? 1 : -1)));
  }

  protected playNext(): void {
    const next = this.next();
    if (next) {
      void this.router.navigate(['/watch', this.titleId()], { queryParams: { episode: next.id } });
    }
  }

  protected back(): void {
    void this.router.navigate(['/title', this.titleId()]);
  }

  /** Shows the controls; they hide again after a while of playing untouched. */
  protected wake(): void {
    this.controlsShown.set(true);
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.controlsShown.set(false), CONTROLS_IDLE_MS);
  }

  // --- keyboard ------------------------------------------------------------------------

  protected onKey(event: KeyboardEvent): void {
    this.wake();
    if (
      event.defaultPrevented ||
      event.ctrlKey ||
      event.metaKey ||
      event.altKey ||
      ownsKey(event)
    ) {
      return;
    }
    const action = this.shortcut(event.key);
    if (action) {
      event.preventDefault();
      action();
    }
  }

  private shortcut(key: string): (() => void) | null {
    const actions: Record<string, () => void> = {
      ' ': () => this.togglePlay(),
      k: () => this.togglePlay(),
      ArrowLeft: () => this.seekBy(-SEEK_STEP_S),
      ArrowRight: () => this.seekBy(SEEK_STEP_S),
      ArrowUp: () => this.changeVolume(this.video.volume + VOLUME_STEP),
      ArrowDown: () => this.changeVolume(this.video.volume - VOLUME_STEP),
      m: () => this.toggleMute(),
      f: () => this.toggleFullscreen(),
      c: () => this.toggleSubtitles(),
      Escape: () => (document.fullscreenElement ? this.toggleFullscreen() : this.back()),
    };
    return actions[key.length === 1 ? key.toLowerCase() : key] ?? null;
  }

  private toggleSubtitles(): void {
    const active = this.texts().find((track) => track.active);
    const fallback = this.lastSubtitle ?? this.texts()[0]?.id ?? null;
    this.pickSubtitle(active || fallback === null ? OFF : String(fallback));
  }

  // --- helpers -------------------------------------------------------------------------

  private get video(): HTMLVideoElement {
    return this.videoRef().nativeElement;
  }

  private seekTo(timeS: number): void {
    const end = this.duration() || this.video.duration || 0;
    this.video.currentTime = Math.min(Math.max(0, timeS), Math.max(0, end - 0.1));
    this.position.set(this.video.currentTime);
  }

  private changeVolume(volume: number): void {
    this.video.volume = Math.min(1, Math.max(0, Math.round(volume * 100) / 100));
    this.video.muted = this.video.volume === 0;
  }

  private showPreview(timeS: number): void {
    const duration = this.duration();
    this.preview.set(
      duration > 0
        ? {
            timeS,
            leftPercent: (timeS / duration) * 100,
            thumb: thumbnailAt(this.thumbnails, timeS),
          }
        : null,
    );
  }

  private snapshot(): Schemas['Heartbeat'] {
    const stats = this.engine?.stats() ?? {
      bitrate_kbps: 0,
      buffer_s: 0,
      stalls: 0,
      dropped_frames: 0,
    };
    const position = this.video.currentTime;
    return {
      position_s: Number.isFinite(position) ? Math.round(position * 10) / 10 : 0,
      state: this.reportedState(),
      ...stats,
    };
  }

  private reportedState(): ReportedState {
    if (this.state() === 'ended') {
      return 'ended';
    }
    if (this.seeking) {
      return 'seeking';
    }
    if (this.buffering()) {
      return 'buffering';
    }
    return this.video.paused ? 'paused' : 'playing';
  }
}

/** Elements that use a key themselves: text fields, the volume slider, activation of buttons. */
function ownsKey(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (!target) {
    return false;
  }
  if (target instanceof HTMLInputElement) {
    return (
      target.type !== 'range' || (target.dataset['keys'] === 'own' && event.key.startsWith('Arrow'))
    );
  }
  return (
    (target instanceof HTMLButtonElement || target instanceof HTMLAnchorElement) &&
    (event.key === ' ' || event.key === 'Enter')
  );
}

function trackName(track: { language: string; label: string }): string {
  if (track.label) {
    return track.label;
  }
  return track.language && track.language !== 'und' ? languageName(track.language) : 'Original';
}
