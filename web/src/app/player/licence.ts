/**
 * The ClearKey licence asked for as soon as the session answer names its key ids (`key_ids`),
 * while Shaka attaches and fetches the manifest, and handed to Shaka when its DRM engine asks.
 *
 * Shaka is given it by a scheme plugin, the one hook of Shaka's that can answer a request:
 * Shaka takes a ClearKey licence server from the manifest's `dashif:Laurl` ahead of
 * `drm.servers`, and copies its configuration when `load()` starts, so keys configured as
 * `drm.clearKeys` once the licence is in are never seen; request filters run after Shaka has
 * picked the plugin for a request's scheme, so they may change a request but not answer it.
 * The plugin, for `http:` and `https:` above Shaka's own, answers a licence request offered
 * to it from the prefetched licence when that holds every key the CDM asks for, and hands
 * every other request, as it is, to Shaka's HTTP plugin: a licence that failed or lacks a
 * key is asked for by Shaka exactly as without a prefetch (docs/playback.md, *Startup*).
 */
import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { readCookie } from '../api/client';
import type { JsonWebKey } from '../downloads/keys';

/** A key of a ClearKey licence (a member of its JSON Web Key set). */
export interface LicenceKey extends JsonWebKey {
  kty: string;
}

/** A licence that came in before Shaka asked for it, `ms` after the page asked. */
export interface PrefetchedLicence {
  keys: LicenceKey[];
  ms: number;
}

const offered = new Map<string, Promise<PrefetchedLicence | null>>();
let registered = false;

/** The headers of a licence request to Marquee (sent with the viewer's cookies). */
export function licenceHeaders(): Record<string, string> {
  return { 'Content-Type': 'application/json', 'X-CSRF-Token': readCookie('marquee_csrf') };
}

/** Asks `url` for the keys `kids` (base64url) as Shaka would; null when there are none to ask
 * for or the request fails (Shaka then asks itself). */
export async function prefetchLicence(
  url: string,
  kids: string[],
): Promise<PrefetchedLicence | null> {
  if (kids.length === 0) {
    return null;
  }
  const askedMs = performance.now();
  try {
    const answer = await fetch(url, {
      method: 'POST',
      credentials: 'include',
      headers: licenceHeaders(),
      body: JSON.stringify({ kids, type: 'temporary' }),
    });
    if (!answer.ok) {
      return null;
    }
    const { keys } = (await answer.json()) as { keys: LicenceKey[] };
    return { keys, ms: Math.round(performance.now() - askedMs) };
  } catch {
    return null;
  }
}

/** Lets Shaka's licence requests to `url` be answered from `licence`; the function returned
 * withdraws it (when the player goes). */
export function offerLicence(
  lib: typeof shaka,
  url: string,
  licence: Promise<PrefetchedLicence | null>,
): () => void {
  if (!registered) {
    const http = lib.net.HttpFetchPlugin.isSupported()
      ? lib.net.HttpFetchPlugin
      : lib.net.HttpXHRPlugin;
    const plugin = licencePlugin(lib, http.parse);
    const priority = lib.net.NetworkingEngine.PluginPriority.APPLICATION;
    for (const scheme of ['http', 'https']) {
      lib.net.NetworkingEngine.registerScheme(scheme, plugin, priority, true);
    }
    registered = true;
  }
  offered.set(url, licence);
  return () => {
    offered.delete(url);
  };
}

/** A scheme plugin answering the licence requests offered (`offerLicence`) from their licence
 * when it holds every key asked for, and handing any other request to `http`. */
export function licencePlugin(
  lib: typeof shaka,
  http: shaka.extern.SchemePlugin,
): shaka.extern.SchemePlugin {
  return (uri, request, type, progressUpdated, headersReceived, config) => {
    const send = () => http(uri, request, type, progressUpdated, headersReceived, config);
    const licence =
      type === lib.net.NetworkingEngine.RequestType.LICENSE ? offered.get(uri) : undefined;
    if (!licence) {
      return send();
    }
    return lib.util.AbortableOperation.notAbortable(licence).chain(
      (prefetched: PrefetchedLicence | null) => {
        const data = prefetched ? licenceFor(prefetched.keys, request.body) : null;
        if (!prefetched || !data) {
          return send();
        }
        return lib.util.AbortableOperation.completed(
          licenceResponse(uri, request, data, prefetched.ms),
        );
      },
    );
  };
}

/** The licence a ClearKey request for some of `keys` gets from the server, or null when it
 * asks for a key not among them (or is not a request for a temporary licence). */
function licenceFor(
  keys: LicenceKey[],
  body: ArrayBuffer | ArrayBufferView | null,
): Uint8Array | null {
  const found = askedKids(body)?.map((kid) => keys.find((key) => key.kid === kid));
  if (!found?.length || !found.every((key) => key !== undefined)) {
    return null;
  }
  return new TextEncoder().encode(JSON.stringify({ keys: found, type: 'temporary' }));
}

/** The key ids a ClearKey request for a temporary licence names (`{"kids", "type"}`). */
function askedKids(body: ArrayBuffer | ArrayBufferView | null): string[] | null {
  try {
    const { kids, type } = JSON.parse(new TextDecoder().decode(body ?? undefined)) as {
      kids?: unknown;
      type?: unknown;
    };
    return type === 'temporary' &&
      Array.isArray(kids) &&
      kids.every((kid): kid is string => typeof kid === 'string')
      ? kids
      : null;
  } catch {
    return null;
  }
}

/** The response Shaka's own request would have had (`timeMs`: the prefetch's own). */
function licenceResponse(
  uri: string,
  request: shaka.extern.Request,
  data: Uint8Array,
  ms: number,
): shaka.extern.Response {
  return {
    uri,
    originalUri: uri,
    originalRequest: request,
    data,
    headers: { 'content-type': 'application/json' },
    status: 200,
    timeMs: ms,
  };
}
