import type { Schemas } from '../api/client';

type TitleView = Schemas['TitleView'];

/** The episode after another, in season and episode order. */
export interface NextEpisode {
  id: string;
  label: string;
}

/** The playable episode that follows `episodeId` in the series, or null (last one, or a movie). */
export function nextEpisode(title: TitleView, episodeId: string | null): NextEpisode | null {
  const seasons = [...title.seasons].sort((a, b) => a.number - b.number);
  const order = seasons.flatMap((season) =>
    [...season.episodes]
      .sort((a, b) => a.number - b.number)
      .map((episode) => ({ episode, season: season.number })),
  );
  const current = order.findIndex(({ episode }) => episode.id === episodeId);
  if (current < 0) {
    return null;
  }
  const following = order.slice(current + 1).find(({ episode }) => episode.playable);
  return following
    ? {
        id: following.episode.id,
        label: `S${following.season} E${following.episode.number}: ${following.episode.title}`,
      }
    : null;
}
