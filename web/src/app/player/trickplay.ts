/**
 * Trick-play thumbnails: the asset's WebVTT track whose cues name regions of sprite sheets
 * (`sprite-000.jpg#xywh=160,0,160,90`), as published by media's packaging.
 */

/** One thumbnail: a region of a sprite sheet shown from `startS` to `endS`. */
export interface Thumbnail {
  startS: number;
  endS: number;
  url: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

const CUE_TIMES = /^((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})/;
const REGION = /^(.*)#xywh=(\d+),(\d+),(\d+),(\d+)$/;

/** The thumbnails of a track, or none when it cannot be read (the seek bar then shows times only). */
export async function loadThumbnails(trackUrl: string): Promise<Thumbnail[]> {
  try {
    const answer = await fetch(trackUrl);
    return answer.ok ? parseThumbnails(await answer.text(), trackUrl) : [];
  } catch {
    return [];
  }
}

export function parseThumbnails(vtt: string, trackUrl: string): Thumbnail[] {
  const lines = vtt.split(/\r?\n/);
  const thumbnails: Thumbnail[] = [];
  lines.forEach((line, index) => {
    const times = CUE_TIMES.exec(line.trim());
    const region = REGION.exec((lines[index + 1] ?? '').trim());
    if (times && region) {
      thumbnails.push({
        startS: vttSeconds(times[1]),
        endS: vttSeconds(times[2]),
        url: new URL(region[1], trackUrl).href,
        x: Number(region[2]),
        y: Number(region[3]),
        width: Number(region[4]),
        height: Number(region[5]),
      });
    }
  });
  return thumbnails;
}

/** The thumbnail shown at `timeS`, if the track covers it. */
export function thumbnailAt(thumbnails: readonly Thumbnail[], timeS: number): Thumbnail | null {
  return (
    thumbnails.find((thumb) => timeS >= thumb.startS && timeS < thumb.endS) ??
    thumbnails.at(-1) ??
    null
  );
}

function vttSeconds(stamp: string): number {
  return stamp.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}
