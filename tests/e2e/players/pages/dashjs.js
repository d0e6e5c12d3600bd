'use strict';

// dash.js 5: DASH only; ClearKey protection data names the session's licence URL and
// the header to send there. dash.js sends licence requests with credentials unless told
// not to, and a wildcard CORS answer refuses those: the bearer token is the grant.
window.startPlayer = async (video, session) => {
  const player = dashjs.MediaPlayer().create();
  const events = dashjs.MediaPlayer.events;
  player.on(events.ERROR, (event) => {
    const error = event.error || {};
    interop.fail(`dash.js error ${error.code}: ${error.message}`);
  });
  player.setProtectionData({
    'org.w3.clearkey': {
      serverURL: session.licenseUrl,
      httpRequestHeaders: { Authorization: interop.authorization(session) },
      withCredentials: false,
    },
  });
  player.initialize(video, session.manifest, true);
};
