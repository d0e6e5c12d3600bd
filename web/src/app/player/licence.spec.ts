import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import lib from 'shaka-player/dist/shaka-player.compiled-es2021';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type PrefetchedLicence, licencePlugin, offerLicence, prefetchLicence } from './licence';

const URL = 'https://marquee.test/api/v1/playback/sessions/s1/license';
const SD = { kty: 'oct', kid: 'c2Qta2lkLXNkLWtpZC0x', k: 'c2Qta2V5' };
const HD = { kty: 'oct', kid: 'aGQta2lkLWhkLWtpZC0x', k: 'aGQta2V5' };
const { LICENSE, MANIFEST } = lib.net.NetworkingEngine.RequestType;

/** A ClearKey licence request as Shaka's DRM engine sends it. */
function licenceRequest(kids: string[], uri = URL): shaka.extern.Request {
  const request = lib.net.NetworkingEngine.makeRequest(
    [uri],
    lib.net.NetworkingEngine.defaultRetryParameters(),
  );
  request.method = 'POST';
  request.body = new TextEncoder().encode(JSON.stringify({ kids, type: 'temporary' })).buffer;
  return request;
}

/** What the plugin answers `request` with, and whether it handed it to Shaka's HTTP plugin. */
async function sent(
  request: shaka.extern.Request,
  type = LICENSE,
): Promise<{ body: unknown; timeMs?: number; uri: string; http: boolean }> {
  const fromServer: shaka.extern.Response = {
    uri: URL,
    originalUri: URL,
    originalRequest: request,
    data: new TextEncoder().encode('{"from": "server"}'),
    headers: {},
  };
  const http = vi.fn(() => lib.util.AbortableOperation.completed(fromServer));
  const plugin = licencePlugin(lib, http);
  const response = (await plugin(
    request.uris[0],
    request,
    type,
    () => undefined,
    () => undefined,
    {},
  ).promise) as shaka.extern.Response;
  const body: unknown = JSON.parse(new TextDecoder().decode(response.data as Uint8Array));
  return { body, timeMs: response.timeMs, uri: response.uri, http: http.mock.calls.length > 0 };
}

describe('the licence asked for beside the manifest', () => {
  const withdrawals: (() => void)[] = [];
  const offer = (licence: Promise<PrefetchedLicence | null>): void => {
    withdrawals.push(offerLicence(lib, URL, licence));
  };

  afterEach(() => {
    withdrawals.splice(0).forEach((withdraw) => withdraw());
    vi.restoreAllMocks();
  });

  it('is asked for as Shaka asks, with the session’s key ids', async () => {
    document.cookie = 'marquee_csrf=token-1';
    const post = vi
      .spyOn(globalThis, 'fetch')
      .mockResolvedValue(new Response(JSON.stringify({ keys: [SD, HD], type: 'temporary' })));
    const licence = await prefetchLicence(URL, [SD.kid, HD.kid]);
    expect(licence?.keys).toEqual([SD, HD]);
    expect(licence?.ms).toBeGreaterThanOrEqual(0);
    expect(post).toHaveBeenCalledWith(URL, {
      method: 'POST',
      credentials: 'include',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'token-1' },
      body: JSON.stringify({ kids: [SD.kid, HD.kid], type: 'temporary' }),
    });
  });

  it('is nothing when refused, unreachable, or without key ids', async () => {
    const post = vi.spyOn(globalThis, 'fetch');
    expect(await prefetchLicence(URL, [])).toBeNull();
    expect(post).not.toHaveBeenCalled();
    post.mockResolvedValueOnce(
      new Response('{"type": "/problems/key-above-plan"}', { status: 403 }),
    );
    expect(await prefetchLicence(URL, [SD.kid])).toBeNull();
    post.mockRejectedValueOnce(new TypeError('offline'));
    expect(await prefetchLicence(URL, [SD.kid])).toBeNull();
  });

  it('answers Shaka’s licence request, with the keys it asks for and the prefetch’s time', async () => {
    offer(Promise.resolve({ keys: [SD, HD], ms: 42 }));
    const answer = await sent(licenceRequest([SD.kid]));
    expect(answer).toEqual({
      body: { keys: [SD], type: 'temporary' },
      timeMs: 42,
      uri: URL,
      http: false,
    });
  });

  it('is waited for when Shaka asks before it has come in', async () => {
    let arrive: (licence: PrefetchedLicence) => void = () => undefined;
    offer(new Promise((resolve) => (arrive = resolve)));
    const answer = sent(licenceRequest([HD.kid, SD.kid]));
    arrive({ keys: [SD, HD], ms: 80 });
    expect((await answer).body).toEqual({ keys: [HD, SD], type: 'temporary' });
    expect((await answer).http).toBe(false);
  });

  it('leaves Shaka to ask itself when the prefetch failed', async () => {
    offer(Promise.resolve(null));
    expect(await sent(licenceRequest([SD.kid]))).toMatchObject({
      body: { from: 'server' },
      http: true,
    });
  });

  it('leaves Shaka to ask itself for a key the licence does not hold', async () => {
    offer(Promise.resolve({ keys: [SD], ms: 42 }));
    expect((await sent(licenceRequest([SD.kid, HD.kid]))).http).toBe(true);
  });

  it('passes every other request on as it is', async () => {
    offer(Promise.resolve({ keys: [SD, HD], ms: 42 }));
    expect((await sent(licenceRequest([SD.kid]), MANIFEST)).http).toBe(true);
    expect((await sent(licenceRequest([SD.kid], `${URL}-other`))).http).toBe(true);
    withdrawals.splice(0).forEach((withdraw) => withdraw());
    expect((await sent(licenceRequest([SD.kid]))).http).toBe(true);
  });
});
