import type { CanActivateFn } from '@angular/router';

/** The Play click, marked by the `/watch` route's guard (the watch page opens after it). */
const PLAY_MARK = 'marquee-play';

/**
 * Marks the Play click: a guard of the `/watch` route, so it runs as the click navigates,
 * before the player's chunk loads. Kept apart from the player so the main bundle stays small.
 */
export const markPlay: CanActivateFn = () => {
  performance.mark(PLAY_MARK);
  return true;
};

/** The page-clock time of the Play click this start answers, else now (the next episode
 * starting by itself has no click); each mark is used once. */
export function playClickedAt(): number {
  const marks = performance.getEntriesByName(PLAY_MARK, 'mark');
  performance.clearMarks(PLAY_MARK);
  return marks.at(-1)?.startTime ?? performance.now();
}
