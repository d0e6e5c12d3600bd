import { ApiError, readCookie, type Problem } from '../api/client';

/**
 * `fetch` for what the typed client does not carry (multipart artwork, tus): same-origin
 * credentials and the CSRF header on state-changing requests; a failure throws `ApiError`.
 */
export async function studioFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? 'GET').toUpperCase();
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    headers.set('X-CSRF-Token', readCookie('marquee_csrf'));
  }
  const response = await fetch(url, { ...init, headers, credentials: 'same-origin' });
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  return response;
}

async function problemOf(response: Response): Promise<Problem> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return { status: response.status, title: response.statusText };
  }
}
