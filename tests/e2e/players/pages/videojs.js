'use strict';

// Video.js 8 with videojs-contrib-eme: its VHS engine plays through MediaSource (not the
// browser's own HLS), and the source's keySystems name the session's licence URL and the
// header to send there. DASH only: VHS reads no ClearKey EXT-X-KEY (docs/players.md).
// Headless, VHS stays at its lowest rendition unless it ignores the Network Information API.
const TYPES = { dash: 'application/dash+xml', hls: 'application/x-mpegURL' };
window.startPlayer = async (video, session) => {
  const player = videojs(video, {
    muted: true,
    html5: {
      vhs: { overrideNative: true, useNetworkInformationApi: false },
      nativeAudioTracks: false,
      nativeVideoTracks: false,
    },
  });
  player.eme();
  player.on('error', () => {
    const error = player.error();
    interop.fail(`video.js error ${error && error.code}: ${error && error.message}`, true);
  });
  player.src({
    src: session.manifest,
    type: TYPES[session.format],
    keySystems: {
      'org.w3.clearkey': {
        url: session.licenseUrl,
        licenseHeaders: { Authorization: interop.authorization(session) },
      },
    },
  });
  await player.play();
};
