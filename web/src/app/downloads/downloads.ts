/**
 * This device's downloads: asks the server for a grant, keeps the licence's keys, stores the
 * media with Shaka's offline storage (`shaka.offline.Storage`), and settles with the server
 * when online (plays played offline, releases, renewals, revocations). docs/downloads.md.
 */
import { Injectable, effect, inject, signal } from '@angular/core';
import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { ApiError, type Problem, api, ok, readCookie, type Schemas } from '../api/client';
import { Connectivity } from '../core/connectivity';
import { preloadEngine } from '../player/engine';
import { chooseTracks } from './tracks';
import { type JsonWebKey, clearKeys, hexToBase64Url, manifestKeyIds } from './keys';
import {
  type OutboxItem,
  type PlayReport,
  type Sent,
  addPlay,
  addRelease,
  flush,
  readOutbox,
  writeOutbox,
} from './outbox';
import {
  type SavedDownload,
  deviceId,
  forgetDownload,
  saveDownload,
  savedDownloads,
} from './vault';

type Download = Schemas['Download'];
export type DownloadChoice = Omit<Schemas['DownloadRequest'], 'device_id'>;

/** Storage this origin uses and may use (`navigator.storage.estimate`), and whether the
 * browser promised to keep it (`navigator.storage.persist`). */
export interface StorageUse {
  usedBytes: number;
  freeBytes: number;
  persisted: boolean;
}

const RETRY_MS = 5000;

interface Licence {
  keys: JsonWebKey[];
  expires_at?: string;
}

@Injectable({ providedIn: 'root' })
export class DownloadStore {
  private readonly connectivity = inject(Connectivity);

  readonly items = signal<SavedDownload[]>([]);
  /** Downloads being stored now: id → fraction done (0 to 1). */
  readonly progress = signal<Record<string, number>>({});
  /** Downloads whose storing failed: id → what went wrong, in viewer words. */
  readonly failures = signal<Record<string, string>>({});
  readonly storage = signal<StorageUse | null>(null);
  private readonly operations = new Map<string, shaka.extern.IAbortableOperation<unknown>>();
  private loading: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  private sending: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private listTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    effect(() => {
      if (this.connectivity.online()) {
        void this.sync();
      }
    });
  }

  /** Reads the downloads kept on this device (once; `refresh` again) and the storage use. */
  load(refresh = false): Promise<void> {
    if (!this.loading || refresh) {
      this.loading = Promise.all([this.reread(), this.measure()]).then(() => undefined);
    }
    return this.loading;
  }

  /** Asks for a grant, fetches its keys and starts storing it; the saved download at once
   * (its progress then shows on the Downloads page). */
  async download(choice: DownloadChoice): Promise<SavedDownload> {
    const device_id = await deviceId();
    await this.syncing; // one request at a time names a new device to the server
    const grant = await ok(api.POST('/api/v1/downloads', { body: { ...choice, device_id } }));
    void this.keepStorage();
    const manifest = await fetch(grant.manifest_url).then((answer) => answer.text());
    const licence = await this.licence(grant.license_url, manifestKeyIds(manifest));
    const saved: SavedDownload = {
      ...grantFields(grant),
      keys: clearKeys(licence.keys),
      keys_expire_at: licence.expires_at ?? null,
      offline_uri: null,
      bytes: 0,
      local_first_play: null,
      created_at: grant.created_at,
    };
    await saveDownload(saved);
    this.progress.update((all) => ({ ...all, [saved.id]: 0 }));
    await this.reread();
    void this.store(saved, grant.manifest_url, choice);
    return saved;
  }

  /** Deletes the download from this device and releases it (now, or once back online). */
  async remove(id: string): Promise<void> {
    this.operations.get(id)?.abort();
    const saved = this.items().find((item) => item.id === id);
    await this.removeContent(id, saved?.offline_uri ?? null);
    await forgetDownload(id);
    this.progress.update(({ [id]: _, ...others }) => others);
    this.failures.update(({ [id]: _, ...others }) => others);
    writeOutbox(addRelease(readOutbox(), id));
    await this.reread();
    await this.sendOutbox();
    await this.measure();
  }

  /** A new expiry from the server and fresh keys; online only. */
  async renew(id: string): Promise<void> {
    const saved = this.items().find((item) => item.id === id);
    if (!saved) {
      return;
    }
    const renewed = await ok(
      api.POST('/api/v1/downloads/{download_id}/renew', {
        params: { path: { download_id: id } },
      }),
    );
    const licence = await this.licence(renewed.license_url, Object.keys(saved.keys));
    await saveDownload({
      ...saved,
      ...grantFields(renewed),
      keys: clearKeys(licence.keys),
      keys_expire_at: licence.expires_at ?? null,
      local_first_play: null,
    });
    await this.reread();
  }

  /** A play starts on this device: the first one starts the play window here, before the
   * server hears of it. */
  async markStarted(id: string, at: Date): Promise<void> {
    const saved = this.items().find((item) => item.id === id);
    if (saved && !saved.first_played_at && !saved.local_first_play) {
      await saveDownload({ ...saved, local_first_play: at.toISOString() });
      await this.reread();
    }
  }

  /** A play ended: kept at once (the page may be closing), sent now or once online. */
  async reportPlay(id: string, play: PlayReport): Promise<void> {
    writeOutbox(addPlay(readOutbox(), id, play));
    if (this.connectivity.online()) {
      await this.sendOutbox();
    }
  }

  /** Sends what is owed, then takes the server's word on every download of this device:
   * expiry, first play, revocation (a revoked download's media is deleted). */
  sync(): Promise<void> {
    this.syncing ??= this.settle().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async settle(): Promise<void> {
    await this.load();
    await this.sendOutbox();
    if (!this.items().length) {
      return; // nothing to settle: no request, so a device without downloads stays unknown
    }
    let listed: Download[];
    try {
      const device_id = await deviceId();
      listed = (await ok(api.GET('/api/v1/downloads', { params: { query: { device_id } } })))
        .downloads;
    } catch (error) {
      this.listAgainLater(error);
      return;
    }
    const byId = new Map(listed.map((grant) => [grant.id, grant]));
    for (const saved of this.items()) {
      if (this.operations.has(saved.id)) {
        continue;
      }
      const grant = byId.get(saved.id);
      const merged = grant
        ? { ...saved, ...grantFields(grant) }
        : { ...saved, state: 'revoked' as const, revoked_reason: 'released' };
      if (merged.first_played_at) {
        merged.local_first_play = null;
      }
      if (merged.state === 'revoked' && merged.offline_uri) {
        await this.removeContent(saved.id, merged.offline_uri);
        merged.offline_uri = null;
        merged.bytes = 0;
      }
      await saveDownload(merged);
    }
    await this.reread();
    await this.measure();
  }

  private async store(
    saved: SavedDownload,
    manifestUrl: string,
    choice: DownloadChoice,
  ): Promise<void> {
    const lib = await preloadEngine();
    const storage = new lib.offline.Storage();
    storage.configure({
      drm: { clearKeys: saved.keys },
      manifest: { dash: { ignoreMinBufferTime: true } },
      offline: {
        usePersistentLicense: false,
        progressCallback: (_content: unknown, done: number) =>
          this.progress.update((all) => (saved.id in all ? { ...all, [saved.id]: done } : all)),
        trackSelectionCallback: (tracks: shaka.extern.TrackList) =>
          Promise.resolve(chooseTracks(tracks, choice)),
      },
    });
    const metadata = { download_id: saved.id, title: saved.title };
    const operation = storage.store(manifestUrl, metadata, 'application/dash+xml');
    this.operations.set(saved.id, operation);
    try {
      const stored = (await operation.promise) as shaka.extern.StoredContent;
      const current = (await savedDownloads()).find((item) => item.id === saved.id);
      if (current) {
        await saveDownload({
          ...current,
          offline_uri: stored.offlineUri,
          bytes: stored.size,
        });
      }
    } catch {
      if (this.progress()[saved.id] !== undefined) {
        this.failures.update((all) => ({
          ...all,
          [saved.id]: 'The download stopped. Delete it and download it again when online.',
        }));
      }
    } finally {
      this.operations.delete(saved.id);
      this.progress.update(({ [saved.id]: _, ...others }) => others);
      await storage.destroy();
      await this.reread();
      await this.measure();
    }
  }

  /** Keys for `kids` (hex) from the download's licence URL, or the licence's problem. */
  private async licence(url: string, kids: string[]): Promise<Licence> {
    const answer = await fetch(url, {
      method: 'POST',
      credentials: 'include',
      headers: {
        'Content-Type': 'application/json',
        'X-CSRF-Token': readCookie('marquee_csrf'),
      },
      body: JSON.stringify({
        kids: kids.map(hexToBase64Url),
        type: 'persistent-license',
      }),
    });
    const body: unknown = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      throw new ApiError(answer.status, body as Problem);
    }
    return body as Licence;
  }

  /** Shaka's stored media of a download: by its URI, and any partial copy a stopped
   * download left (found by the id stored with it). */
  private async removeContent(id: string, offlineUri: string | null): Promise<void> {
    const lib = await preloadEngine();
    const storage = new lib.offline.Storage();
    try {
      const stored = await storage.list();
      const uris = stored
        .filter((content) => {
          const metadata = content.appMetadata as {
            download_id?: string;
          } | null;
          return content.offlineUri === offlineUri || metadata?.download_id === id;
        })
        .flatMap((content) => (content.offlineUri ? [content.offlineUri] : []));
      for (const uri of new Set(uris)) {
        await storage.remove(uri);
      }
    } finally {
      await storage.destroy();
    }
  }

  /** A listing that did not reach the server (the service worker answers 504 while the
   * network lags the `online` event) is asked again a little later while online, so a
   * revocation is applied without waiting for the next start. */
  private listAgainLater(error: unknown): void {
    clearTimeout(this.listTimer);
    const refused = error instanceof ApiError && error.status >= 400 && error.status < 500;
    if (!refused && this.connectivity.online()) {
      this.listTimer = setTimeout(() => void this.sync(), RETRY_MS);
    }
  }

  /** Sends what is owed, one sending at a time; what could not go is tried again a little
   * later while online (the network often lags the browser's `online` event). */
  private sendOutbox(): Promise<void> {
    this.sending = this.sending.then(() => this.sendPending());
    return this.sending;
  }

  private async sendPending(): Promise<void> {
    clearTimeout(this.retryTimer);
    const pending = readOutbox();
    const left = await flush(pending, (item) => this.send(item));
    const sent = new Set(pending.slice(0, pending.length - left.length).map(key));
    const owed = readOutbox().filter((item) => !sent.has(key(item))); // plays noted meanwhile
    writeOutbox(owed);
    if (owed.length && this.connectivity.online()) {
      this.retryTimer = setTimeout(() => void this.sendOutbox(), RETRY_MS);
    }
  }

  private async send(item: OutboxItem): Promise<Sent> {
    const path = { download_id: item.downloadId };
    const { response } =
      item.kind === 'plays'
        ? await api.POST('/api/v1/downloads/{download_id}/plays', {
            params: { path },
            body: item.plays,
          })
        : await api.DELETE('/api/v1/downloads/{download_id}', {
            params: { path },
          });
    return response.ok || (response.status >= 400 && response.status < 500) ? 'done' : 'retry';
  }

  private async reread(): Promise<void> {
    this.items.set(await savedDownloads());
  }

  private async measure(): Promise<void> {
    const estimate = await navigator.storage?.estimate?.().catch(() => null);
    if (!estimate) {
      return;
    }
    const used = estimate.usage ?? 0;
    this.storage.set({
      usedBytes: used,
      freeBytes: Math.max(0, (estimate.quota ?? 0) - used),
      persisted: (await navigator.storage.persisted?.().catch(() => false)) ?? false,
    });
  }

  /** Asks the browser not to evict downloads when space runs low. */
  private async keepStorage(): Promise<void> {
    await navigator.storage?.persist?.().catch(() => false);
    await this.measure();
  }
}

function key(item: OutboxItem): string {
  return JSON.stringify(item);
}

/** A download's grant as kept on the device (its URLs for fetching are not kept). */
function grantFields(grant: Download) {
  return {
    id: grant.id,
    title_id: grant.title_id,
    episode_id: grant.episode_id ?? null,
    title: grant.title,
    quality: grant.quality,
    license_url: grant.license_url,
    expires_at: grant.expires_at,
    play_window_hours: grant.play_window_hours,
    first_played_at: grant.first_played_at ?? null,
    playable_until: grant.playable_until,
    state: grant.state,
    revoked_reason: grant.revoked_reason ?? null,
  };
}
