// The page's side of the interoperability tests (player.html). The test calls
// `interop.play(scripts, session)`: the scripts are loaded in order (the player's dist files
// from node_modules, then `<player>.js`, which defines `window.startPlayer(video, session)`),
// then the player starts on the session: {format, manifest, licenseUrl, token}, the session's
// manifest URL, its licence URL and a bearer token of the session's account (no cookies: the
// page may be on another origin). Player errors land in `interop.errors`; `interop.fatal`
// says the player gave up (the test stops waiting).
'use strict';

window.interop = {
  errors: [],
  started: false,
  fatal: false,

  fail(what, fatal = false) {
    this.fatal = this.fatal || fatal;
    let text;
    try {
      text = typeof what === 'string' ? what : JSON.stringify(what, describe);
    } catch (_) {
      text = String(what);
    }
    this.errors.push(text.slice(0, 2000));
  },

  /** The header that proves who is asking for a licence. */
  authorization(session) {
    return `Bearer ${session.token}`;
  },

  async play(scripts, session) {
    const video = document.querySelector('video');
    try {
      for (const src of scripts) {
        await load(src);
      }
      await window.startPlayer(video, session);
      this.started = true;
    } catch (error) {
      this.fail(error, true);
    }
  },

  /** What the test reads: position, decoded frames, errors. */
  state() {
    const video = document.querySelector('video');
    const quality = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    return {
      time: video.currentTime,
      frames: quality ? quality.totalVideoFrames : video.webkitDecodedFrameCount,
      readyState: video.readyState,
      paused: video.paused,
      videoError: video.error ? `${video.error.code} ${video.error.message}` : null,
      errors: this.errors,
      started: this.started,
      fatal: this.fatal,
    };
  },
};

function load(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

/** JSON.stringify replacer: an Error's name and message are not its own enumerable fields. */
function describe(key, value) {
  if (value instanceof Error) {
    const { stack, ...own } = value; // the stack of a minified player says nothing
    return { name: value.name, message: value.message, ...own };
  }
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return `[${value.byteLength} bytes]`;
  }
  if (typeof Node !== 'undefined' && value instanceof Node) {
    return `<${value.nodeName}>`;
  }
  return value;
}

window.addEventListener('error', (event) => interop.fail(`page error: ${event.message}`));
window.addEventListener('unhandledrejection', (event) =>
  interop.fail({ unhandledrejection: event.reason }),
);
document.addEventListener('DOMContentLoaded', () => {
  const video = document.querySelector('video');
  video.addEventListener('error', () =>
    interop.fail(`video error ${video.error && video.error.code}: ${video.error && video.error.message}`, true),
  );
});
