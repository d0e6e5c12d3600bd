/**
 * This device's downloads as the app keeps them in IndexedDB (database `marquee-downloads`),
 * beside Shaka's offline storage of their media: the server's grant, the licence's keys, where
 * Shaka stored the content, and when this device first played it.
 */
import type { Grant } from './expiry';
import type { ClearKeys } from './keys';

export interface SavedDownload extends Grant {
  id: string;
  title_id: string;
  episode_id: string | null;
  title: string;
  quality: string;
  license_url: string;
  /** The licence's keys and when the licence said they stop (its `expires_at`). */
  keys: ClearKeys;
  keys_expire_at: string | null;
  /** Shaka's `offline:` URI once stored; null while downloading or after it was removed. */
  offline_uri: string | null;
  bytes: number;
  /** The first play on this device, before the server heard of it. */
  local_first_play: string | null;
  created_at: string;
}

const DATABASE = 'marquee-downloads';
const DOWNLOADS = 'downloads';
const SETTINGS = 'settings';
const DEVICE_KEY = 'device_id';

let database: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  database ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(DOWNLOADS, { keyPath: 'id' });
      request.result.createObjectStore(SETTINGS);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return database;
}

async function run<T>(
  store: string,
  mode: IDBTransactionMode,
  work: (objects: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const request = work(db.transaction(store, mode).objectStore(store));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export async function savedDownloads(): Promise<SavedDownload[]> {
  const all = await run<SavedDownload[]>(DOWNLOADS, 'readonly', (objects) => objects.getAll());
  return all.sort((a, b) => b.created_at.localeCompare(a.created_at));
}

export async function saveDownload(download: SavedDownload): Promise<void> {
  await run(DOWNLOADS, 'readwrite', (objects) => objects.put(download));
}

export async function forgetDownload(id: string): Promise<void> {
  await run(DOWNLOADS, 'readwrite', (objects) => objects.delete(id));
}

/** This device's id for the downloads API: made once, at random, and kept. */
export async function deviceId(): Promise<string> {
  const kept = await run<unknown>(SETTINGS, 'readonly', (objects) => objects.get(DEVICE_KEY));
  if (typeof kept === 'string') {
    return kept;
  }
  const made = crypto.randomUUID();
  await run(SETTINGS, 'readwrite', (objects) => objects.put(made, DEVICE_KEY));
  return made;
}
