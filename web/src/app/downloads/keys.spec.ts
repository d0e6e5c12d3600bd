import { describe, expect, it } from 'vitest';
import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { base64UrlToHex, clearKeys, hexToBase64Url, manifestKeyIds } from './keys';
import { chooseTracks } from './tracks';

const KID = '0123456789abcdef0123456789abcdef';

describe('keys', () => {
  it('reads the key ids of a manifest once each, as hex', () => {
    const mpd = `<MPD><AdaptationSet><ContentProtection cenc:default_KID="01234567-89AB-CDEF-0123-456789ABCDEF"/></AdaptationSet>
      <AdaptationSet><ContentProtection cenc:default_KID="01234567-89ab-cdef-0123-456789abcdef"/>
      <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e"/></AdaptationSet></MPD>`;
    expect(manifestKeyIds(mpd)).toEqual([KID]);
  });

  it('turns a licence into the map Shaka takes, and back', () => {
    const kid = hexToBase64Url(KID);
    expect(kid).toBe('ASNFZ4mrze8BI0VniavN7w');
    expect(base64UrlToHex(kid)).toBe(KID);
    expect(clearKeys([{ kid, k: hexToBase64Url('ff'.repeat(16)) }])).toEqual({
      [KID]: 'ff'.repeat(16),
    });
  });
});

function track(changes: Partial<shaka.extern.Track>): shaka.extern.Track {
  return { type: 'variant', language: 'en', bandwidth: 1000, ...changes } as shaka.extern.Track;
}

describe('chooseTracks', () => {
  const tracks = [
    track({ id: 1, language: 'en', bandwidth: 500 }),
    track({ id: 2, language: 'en', bandwidth: 900 }),
    track({ id: 3, language: 'fr', bandwidth: 900 }),
    track({ id: 4, type: 'text', language: 'fr' }),
    track({ id: 5, type: 'text', language: 'de' }),
  ];

  it('keeps the best variant of each chosen audio language and the chosen subtitles', () => {
    const chosen = chooseTracks(tracks, { audio_languages: ['en'], subtitle_languages: ['fr'] });
    expect(chosen.map((t) => t.id)).toEqual([2, 4]);
  });

  it('keeps every audio language when none chosen is offered', () => {
    const chosen = chooseTracks(tracks, { audio_languages: ['ja'] });
    expect(chosen.map((t) => t.id)).toEqual([2, 3]);
  });
});
