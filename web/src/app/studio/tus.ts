import { ApiError } from '../api/client';
import { studioFetch } from './http';

/**
 * A tus 1.0 client over `fetch` (core protocol + creation), for the studio's source uploads.
 *
 * The upload URL is kept in localStorage under the title and the file's name, size and date,
 * so choosing the same file again — after a dropped connection or a page reload — asks the
 * server where it got to (`HEAD`) and goes on from there. Chunks are PATCHed one at a time;
 * a network error or a 5xx waits (1 s, 2 s, 4 s … 30 s), asks `HEAD` and resumes from the
 * server's offset.
 */

const ENDPOINT = '/api/v1/studio/uploads';
const VERSION = { 'Tus-Resumable': '1.0.0' };
export const CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_BACKOFF_MS = 30_000;
const MAX_FAILURES = 12;
const STORE_PREFIX = 'marquee.tus:';

export type UploadState = 'starting' | 'uploading' | 'retrying' | 'done' | 'failed' | 'stopped';

export interface UploadProgress {
  readonly sent: number;
  readonly total: number;
  readonly state: UploadState;
  readonly message: string;
}

/** An upload left unfinished on this browser (the file must be chosen again to resume it). */
export interface PendingUpload {
  readonly key: string;
  readonly url: string;
  readonly name: string;
  readonly size: number;
}

export function pendingUploads(scope: string): PendingUpload[] {
  const found: PendingUpload[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i) ?? '';
    if (key.startsWith(`${STORE_PREFIX}${scope}:`)) {
      const entry = JSON.parse(localStorage.getItem(key) ?? '{}') as Omit<PendingUpload, 'key'>;
      found.push({ ...entry, key });
    }
  }
  return found;
}

export function forgetUpload(key: string): void {
  localStorage.removeItem(key);
}

export class TusUpload {
  private readonly storeKey: string;
  private readonly abort = new AbortController();
  private failures = 0;
  private sent = 0;

  constructor(
    private readonly file: File,
    scope: string,
    private readonly report: (progress: UploadProgress) => void,
  ) {
    this.storeKey = `${STORE_PREFIX}${scope}:${file.name}:${file.size}:${file.lastModified}`;
  }

  /** Upload the whole file; answers the upload id once the server has every byte. */
  async run(): Promise<string> {
    this.tell(0, 'starting', 'Starting…');
    const resumed = await this.resume();
    const url = resumed?.url ?? (await this.create());
    let offset = resumed?.offset ?? 0;
    while (offset < this.file.size) {
      offset = await this.sendChunk(url, offset);
    }
    forgetUpload(this.storeKey);
    this.tell(this.file.size, 'done', 'Uploaded.');
    return url.split('/').pop() ?? '';
  }

  stop(): void {
    this.abort.abort();
    this.tell(null, 'stopped', 'Stopped. Choose the same file again to resume.');
  }

  /** The upload this browser started for the same file, and where the server has it. */
  private async resume(): Promise<{ url: string; offset: number } | null> {
    const stored = localStorage.getItem(this.storeKey);
    if (!stored) {
      return null;
    }
    const { url } = JSON.parse(stored) as PendingUpload;
    try {
      return { url, offset: await this.offsetOf(url) };
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) {
        throw error;
      }
      forgetUpload(this.storeKey);
      return null;
    }
  }

  private async create(): Promise<string> {
    const metadata = `filename ${base64(this.file.name)},filetype ${base64(this.file.type)}`;
    const response = await this.patiently(() =>
      studioFetch(ENDPOINT, {
        method: 'POST',
        headers: {
          ...VERSION,
          'Upload-Length': String(this.file.size),
          'Upload-Metadata': metadata,
        },
        signal: this.abort.signal,
      }),
    );
    const url = new URL(response.headers.get('Location') ?? '', location.href).pathname;
    const entry = { url, name: this.file.name, size: this.file.size };
    localStorage.setItem(this.storeKey, JSON.stringify(entry));
    return url;
  }

  private async offsetOf(url: string): Promise<number> {
    const response = await this.patiently(() =>
      studioFetch(url, {
        method: 'HEAD',
        headers: VERSION,
        cache: 'no-store',
        signal: this.abort.signal,
      }),
    );
    const offset = Number(response.headers.get('Upload-Offset') ?? 0);
    this.tell(offset, 'uploading', 'Uploading…');
    return offset;
  }

  /**
   * PATCH one chunk and answer the new offset. After a dropped connection or a server error
   * (once waited for) and after a wrong offset (409), ask the server where the upload stands:
   * a cut-off PATCH may have left part of its bytes there.
   */
  private async sendChunk(url: string, offset: number): Promise<number> {
    const body = this.file.slice(offset, offset + CHUNK_BYTES);
    try {
      const response = await studioFetch(url, {
        method: 'PATCH',
        headers: {
          ...VERSION,
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        },
        body,
        signal: this.abort.signal,
      });
      this.failures = 0;
      const reached = Number(response.headers.get('Upload-Offset') ?? offset + body.size);
      this.tell(reached, 'uploading', 'Uploading…');
      return reached;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 409)) {
        await this.waitOrGiveUp(error);
      }
      return this.offsetOf(url);
    }
  }

  /** Run a request; a dropped connection or a server error waits and tries again. */
  private async patiently(request: () => Promise<Response>): Promise<Response> {
    for (;;) {
      try {
        const response = await request();
        this.failures = 0;
        return response;
      } catch (error) {
        await this.waitOrGiveUp(error);
      }
    }
  }

  /** Back off before the next try, or rethrow when stopped, not retriable or tried enough. */
  private async waitOrGiveUp(error: unknown): Promise<void> {
    if (this.abort.signal.aborted) {
      throw error;
    }
    if (!retriable(error) || ++this.failures > MAX_FAILURES) {
      this.tell(null, 'failed', error instanceof Error ? error.message : 'The upload failed.');
      throw error;
    }
    await this.backOff();
  }

  private async backOff(): Promise<void> {
    const wait = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.failures - 1));
    this.tell(null, 'retrying', `Connection lost. Trying again in ${Math.round(wait / 1000)} s…`);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Report progress; `sent` is null where it did not move. */
  private tell(sent: number | null, state: UploadState, message: string): void {
    this.sent = sent ?? this.sent;
    this.report({ sent: this.sent, total: this.file.size, state, message });
  }
}

function retriable(error: unknown): boolean {
  return error instanceof ApiError
    ? error.status >= 500 || error.status === 423
    : error instanceof TypeError;
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}
