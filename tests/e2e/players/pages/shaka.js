'use strict';

// Shaka Player 5: DASH and HLS; the licence URL is the session's, and the bearer token
// goes on every request to it.
window.startPlayer = async (video, session) => {
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  await player.attach(video);
  player.configure({
    drm: { servers: { 'org.w3.clearkey': session.licenseUrl } },
    abr: { useNetworkInformation: false },
  });
  player.getNetworkingEngine().registerRequestFilter((type, request) => {
    if (request.uris.some((uri) => uri.split('?')[0] === session.licenseUrl)) {
      request.headers['Authorization'] = interop.authorization(session);
    }
  });
  player.addEventListener('error', (event) => {
    const error = event.detail;
    const critical = error.severity === shaka.util.Error.Severity.CRITICAL;
    interop.fail(`shaka error ${error.code} (category ${error.category}): ${JSON.stringify(error.data)}`, critical);
  });
  await player.load(session.manifest);
  await video.play();
};
