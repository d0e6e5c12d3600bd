/** Words and numbers of the title page. */

/** A position as a clock: 754 s → "12:34", 4354 s → "1:12:34". */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = String(whole % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${secs}` : `${minutes}:${secs}`;
}

/** A running time in words: 6120 s → "1 h 42 min", 40 s → "1 min". */
export function runtime(seconds: number): string {
  const minutes = Math.max(1, Math.round(seconds / 60));
  const hours = Math.floor(minutes / 60);
  return hours ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });

/** Tags that name no language: a track nobody tagged, or one without speech. */
const UNNAMED: Record<string, string> = { und: 'Original (untagged)', zxx: 'No dialogue' };

/** A BCP 47 tag as the language's English name ("fr" → "French"); the tag when unknown. */
export function languageName(tag: string): string {
  if (UNNAMED[tag]) {
    return UNNAMED[tag];
  }
  try {
    return languageNames.of(tag) ?? tag;
  } catch {
    return tag;
  }
}
