import {
  DetailedError,
  type HttpRequest,
  type PreviousUpload,
  Upload,
  defaultOptions,
} from 'tus-js-client';
import { ApiError, type Problem, readCookie } from '../api/client';

/**
 * The studio's resumable source uploads, on `tus-js-client` (tus 1.0, core + creation).
 *
 * The upload URL is kept in localStorage (tus-js-client's URL storage) under a fingerprint of
 * the title and the file's name, size and date, so choosing the same file again — after a
 * dropped connection or a page reload — asks the server where it got to (`HEAD`) and goes on
 * from there. Chunks of 4 MB are PATCHed one at a time; a network error, a 5xx, a 409 (wrong
 * offset) or a 423 waits (1 s, 2 s, 4 s … 30 s), asks `HEAD` and resumes from the server's
 * offset.
 */

const ENDPOINT = '/api/v1/studio/uploads';
export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Waits before each new try, 12 in a row at most. */
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000, ...Array<number>(7).fill(30_000)];
const FINGERPRINT_PREFIX = 'marquee.tus:';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

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
  readonly name: string;
  readonly size: number;
}

/** The unfinished uploads of `scope` (a title) that this browser remembers. */
export async function pendingUploads(scope: string): Promise<PendingUpload[]> {
  const stored = await defaultOptions.urlStorage.findAllUploads();
  return stored
    .filter((upload) => upload.urlStorageKey.includes(`::${FINGERPRINT_PREFIX}${scope}:`))
    .map((upload) => ({
      key: upload.urlStorageKey,
      name: upload.metadata['filename'] ?? '',
      size: upload.size ?? 0,
    }));
}

export function forgetUpload(key: string): Promise<void> {
  return defaultOptions.urlStorage.removeUpload(key);
}

export class TusUpload {
  private readonly upload: Upload;
  private sent = 0;
  private settle: { resolve: (id: string) => void; reject: (error: unknown) => void } | null = null;

  constructor(
    private readonly file: File,
    scope: string,
    private readonly report: (progress: UploadProgress) => void,
  ) {
    this.upload = new Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS_MS,
      metadata: { filename: file.name, filetype: file.type },
      fingerprint: (chosen) =>
        Promise.resolve(
          `${FINGERPRINT_PREFIX}${scope}:${chosen.name}:${chosen.size}:${chosen.lastModified}`,
        ),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: withCsrfToken,
      onProgress: (sent) => this.tell(sent, 'uploading', 'Uploading…'),
      onShouldRetry: (error, attempt) => this.retryAfter(error, attempt),
      onSuccess: () => this.finished(),
      onError: (error) => this.failed(error),
    });
  }

  /** Upload the whole file, resuming this browser's earlier upload of it; answers the upload
   * id once the server has every byte. */
  async run(): Promise<string> {
    this.tell(0, 'starting', 'Starting…');
    const previous = await this.upload.findPreviousUploads();
    if (previous.length) {
      this.upload.resumeFromPreviousUpload(newest(previous));
    }
    return new Promise<string>((resolve, reject) => {
      this.settle = { resolve, reject };
      this.upload.start();
    });
  }

  stop(): void {
    void this.upload.abort();
    this.tell(null, 'stopped', 'Stopped. Choose the same file again to resume.');
    this.settle?.reject(new Error('The upload was stopped.'));
    this.settle = null;
  }

  /** tus-js-client's own rule (not a 4xx but 409 and 423), told to the viewer when it waits. */
  private retryAfter(error: DetailedError, attempt: number): boolean {
    const status = error.originalResponse?.getStatus() ?? 0;
    const retry = status < 400 || status >= 500 || status === 409 || status === 423;
    if (retry) {
      const waitS = Math.round(RETRY_DELAYS_MS[attempt] / 1000);
      this.tell(null, 'retrying', `Connection lost. Trying again in ${waitS} s…`);
    }
    return retry;
  }

  private finished(): void {
    this.tell(this.file.size, 'done', 'Uploaded.');
    this.settle?.resolve(this.upload.url?.split('/').pop() ?? '');
    this.settle = null;
  }

  private failed(error: Error | DetailedError): void {
    const reason = asApiError(error);
    this.tell(null, 'failed', reason.message || 'The upload failed.');
    this.settle?.reject(reason);
    this.settle = null;
  }

  /** Report progress; `sent` is null where it did not move. */
  private tell(sent: number | null, state: UploadState, message: string): void {
    this.sent = sent ?? this.sent;
    this.report({ sent: this.sent, total: this.file.size, state, message });
  }
}

/** Same-origin cookies go with the requests; state-changing ones carry the CSRF header. */
function withCsrfToken(request: HttpRequest): void {
  if (!SAFE_METHODS.has(request.getMethod().toUpperCase())) {
    request.setHeader('X-CSRF-Token', readCookie('marquee_csrf'));
  }
}

function newest(uploads: PreviousUpload[]): PreviousUpload {
  return [...uploads].sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
}

/** The server's problem document as the app's other calls report it, where there is one. */
function asApiError(error: Error | DetailedError): Error {
  const response = error instanceof DetailedError ? error.originalResponse : null;
  if (!response) {
    return error;
  }
  const status = response.getStatus();
  return new ApiError(status, problemOf(response.getBody(), status));
}

function problemOf(body: string, status: number): Problem {
  try {
    return JSON.parse(body) as Problem;
  } catch {
    return { status, title: `HTTP ${status}` };
  }
}
