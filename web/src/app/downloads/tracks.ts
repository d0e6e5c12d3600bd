import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';

/** The languages a viewer chose to download (none chosen: every audio language). */
export interface TrackChoice {
  audio_languages?: string[];
  subtitle_languages?: string[];
}

/**
 * The tracks to store: for each audio language chosen (all when none is) the best variant the
 * manifest offers (it lists only the download's quality), and the subtitles chosen.
 */
export function chooseTracks(
  tracks: shaka.extern.TrackList,
  choice: TrackChoice,
): shaka.extern.TrackList {
  const audio = choice.audio_languages ?? [];
  const subtitles = choice.subtitle_languages ?? [];
  const variants = tracks.filter((track) => track.type === 'variant');
  const wanted = variants.filter((track) => audio.includes(track.language));
  const best = new Map<string, shaka.extern.Track>();
  for (const track of wanted.length ? wanted : variants) {
    const kept = best.get(track.language);
    if (!kept || track.bandwidth > kept.bandwidth) {
      best.set(track.language, track);
    }
  }
  const texts = tracks.filter(
    (track) => track.type === 'text' && subtitles.includes(track.language),
  );
  return [...best.values(), ...texts];
}
