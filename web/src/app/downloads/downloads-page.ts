import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  type OnDestroy,
  computed,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { Connectivity } from '../core/connectivity';
import { viewerMessage } from '../core/problems';
import { DownloadStore } from './downloads';
import { availability, expiryText } from './expiry';
import { OfflinePlayer } from './offline-player';
import type { SavedDownload } from './vault';

/** One download as the page lists it. */
interface Row {
  id: string;
  title: string;
  /** Percent stored while downloading, else null. */
  percent: number | null;
  status: string;
  /** Stored and not revoked: Play is offered (and refuses, saying why, once expired). */
  stored: boolean;
  renewable: boolean;
  size: string;
}

/**
 * `/downloads`: this device's downloads with their progress, expiry and storage, played here
 * with the keys the app kept, online or not (docs/web.md, docs/downloads.md).
 */
@Component({
  selector: 'app-downloads-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './downloads-page.html',
  styleUrl: './downloads-page.css',
  host: { '(window:pagehide)': 'close()' },
})
export class DownloadsPage implements OnDestroy {
  private readonly store = inject(DownloadStore);
  protected readonly online = inject(Connectivity).online;
  private readonly videoRef = viewChild.required<ElementRef<HTMLVideoElement>>('video');

  protected readonly playing = signal<SavedDownload | null>(null);
  protected readonly message = signal('');
  protected readonly busy = signal(false);
  protected readonly storage = computed(() => {
    const use = this.store.storage();
    return use
      ? `${bytes(use.usedBytes)} used, ${bytes(use.freeBytes)} free on this device.`
      : 'Storage use is not known in this browser.';
  });
  protected readonly persisted = computed(() => this.store.storage()?.persisted ?? false);
  private readonly now = signal(new Date());
  protected readonly rows = computed(() =>
    this.store.items().map((item) => this.row(item, this.now())),
  );
  private player: OfflinePlayer | null = null;
  private startedAt = new Date();
  private readonly clockTimer = setInterval(() => this.now.set(new Date()), 30_000);

  constructor() {
    void this.store.load();
  }

  ngOnDestroy(): void {
    clearInterval(this.clockTimer);
    void this.close();
  }

  protected async play(row: Row): Promise<void> {
    await this.close();
    const saved = this.store.items().find((item) => item.id === row.id);
    const now = new Date();
    this.now.set(now);
    if (!saved?.offline_uri) {
      return;
    }
    const available = availability(saved, saved.local_first_play, now);
    if (available.kind !== 'playable') {
      this.message.set(`${saved.title} cannot play. ${available.message}`);
      return;
    }
    this.message.set('');
    this.playing.set(saved);
    const video = this.videoRef().nativeElement;
    try {
      this.player = await OfflinePlayer.start(video, saved.offline_uri, saved.keys);
      this.startedAt = now;
      await this.store.markStarted(saved.id, now);
      await video.play().catch(() => undefined);
    } catch {
      this.playing.set(null);
      this.message.set(`${saved.title} could not be played on this device.`);
    }
  }

  /** Stops playing, and reports where the viewer stopped. */
  protected async close(): Promise<void> {
    const playing = this.playing();
    const player = this.player;
    this.player = null;
    this.playing.set(null);
    if (!playing || !player) {
      return;
    }
    const video = this.videoRef().nativeElement;
    const report = this.store.reportPlay(playing.id, {
      position_s: video.currentTime,
      duration_s: Number.isFinite(video.duration) ? video.duration : undefined,
      played_at: this.startedAt.toISOString(),
    });
    await Promise.all([player.stop(), report]);
  }

  protected async remove(row: Row): Promise<void> {
    if (this.playing()?.id === row.id) {
      await this.close();
    }
    await this.act(() => this.store.remove(row.id), `${row.title} is deleted.`);
  }

  protected async renew(row: Row): Promise<void> {
    await this.act(() => this.store.renew(row.id), `${row.title} is renewed.`);
    this.now.set(new Date());
  }

  private async act(work: () => Promise<void>, done: string): Promise<void> {
    this.busy.set(true);
    try {
      await work();
      this.message.set(done);
    } catch (error) {
      this.message.set(viewerMessage(error));
    } finally {
      this.busy.set(false);
    }
  }

  private row(item: SavedDownload, now: Date): Row {
    const done = this.store.progress()[item.id];
    const failure = this.store.failures()[item.id];
    const available = availability(item, item.local_first_play, now);
    const stored = item.offline_uri !== null && available.kind !== 'revoked';
    let status = expiryText(available);
    if (done !== undefined) {
      status = 'Downloading…';
    } else if (failure) {
      status = failure;
    } else if (!item.offline_uri && available.kind !== 'revoked') {
      status = 'The download did not finish. Delete it and download it again.';
    }
    return {
      id: item.id,
      title: item.title,
      percent: done === undefined ? null : Math.round(done * 100),
      status,
      stored,
      renewable: stored && available.kind === 'expired',
      size: item.bytes ? bytes(item.bytes) : '',
    };
  }
}

/** "1.5 GB", "320 MB", "12 kB". */
function bytes(count: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 10 || unit === 0 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
