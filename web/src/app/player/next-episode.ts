import type { Schemas } from '../api/client';

type TitleView = Schemas['TitleView'];
type EpisodeView = Schemas['EpisodeView'];

/** An episode of the series as the player names it ("S1 E2: Pilot"). */
export interface EpisodeRef {
  id: string;
  label: string;
  playable: boolean;
}

/** The series' episodes in season and episode order. */
function playOrder(title: TitleView): EpisodeRef[] {
  return [...title.seasons]
    .sort((a, b) => a.number - b.number)
    .flatMap((season) =>
      [...season.episodes]
        .sort((a, b) => a.number - b.number)
        .map((episode) => reference(season.number, episode)),
    );
}

function reference(season: number, episode: EpisodeView): EpisodeRef {
  return {
    id: episode.id,
    label: `S${season} E${episode.number}: ${episode.title}`,
    playable: episode.playable,
  };
}

/** The episode playing, or null for a movie. */
export function currentEpisode(title: TitleView, episodeId: string | null): EpisodeRef | null {
  return playOrder(title).find((episode) => episode.id === episodeId) ?? null;
}

/** The playable episode that follows `episodeId` in the series, or null (last one, or a movie). */
export function nextEpisode(title: TitleView, episodeId: string | null): EpisodeRef | null {
  const order = playOrder(title);
  const current = order.findIndex((episode) => episode.id === episodeId);
  return current < 0
    ? null
    : (order.slice(current + 1).find((episode) => episode.playable) ?? null);
}
