'use strict';

// hls.js 1.7: HLS only; EME on, ClearKey's licence server is the session's, and the
// licence request carries the bearer token.
window.startPlayer = async (video, session) => {
  if (!Hls.isSupported()) throw new Error('hls.js: MediaSource is not supported here');
  const hls = new Hls({
    emeEnabled: true,
    drmSystems: { 'org.w3.clearkey': { licenseUrl: session.licenseUrl } },
    licenseXhrSetup: (xhr, url) => {
      xhr.open('POST', url, true);
      xhr.setRequestHeader('Authorization', interop.authorization(session));
    },
  });
  hls.on(Hls.Events.ERROR, (name, data) => {
    const error = data.error ? data.error.message : '';
    interop.fail(`hls.js ${data.fatal ? 'fatal' : 'non-fatal'} ${data.type}/${data.details}: ${error}`, data.fatal);
  });
  hls.loadSource(session.manifest);
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((error) => interop.fail(error)));
};
