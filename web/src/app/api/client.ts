/**
 * The API client: typed from the server's OpenAPI document (`make web` generates `schema.d.ts`),
 * so a renamed field or path breaks the build instead of a screen.
 *
 * Browser sessions use the HttpOnly session cookie; state-changing requests carry the CSRF
 * double-submit header read from the `marquee_csrf` cookie.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** An RFC 9457 problem answered by the API (`type` ends with a stable slug). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }

  /** The stable problem slug, e.g. `invalid-credentials`, `stream-limit`. */
  get slug(): string {
    return (this.problem.type ?? '').split('/').pop() ?? '';
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(name: string): string {
  const prefix = `${name}=`;
  const found = document.cookie.split('; ').find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : '';
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE_METHODS.has(request.method)) {
      request.headers.set('X-CSRF-Token', readCookie('marquee_csrf'));
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/**
 * The data of an openapi-fetch answer, or an `ApiError` thrown with the problem.
 *
 * ```ts
 * const titles = await ok(api.GET('/api/v1/titles', { params: { query: { page: 1 } } }));
 * ```
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    throw new ApiError(response.status, (error ?? {}) as Problem);
  }
  return data as T;
}
