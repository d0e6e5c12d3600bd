/**
 * The catalog's availability rule, mirrored for the studio's previews (see docs/catalog.md,
 * "Who may see a title"): published, a licence window covering the territory now, and a
 * rating there that the profile's maturity allows. The server stays the authority; these
 * answer "what would a viewer see" without signing in as one.
 */
import type { Schemas } from '../api/client';
import type { StudioTitle } from './title-store';

export type Maturity = Schemas['Rating']['maturity'];
type Window = Schemas['Window'];
type Rating = Schemas['Rating'];

export const MATURITIES: readonly Maturity[] = ['kids', 'teen', 'adult'];
const EVERYWHERE = '*';
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

export function countryName(code: string): string {
  if (code === EVERYWHERE) {
    return 'everywhere';
  }
  try {
    return REGION_NAMES.of(code) ?? code;
  } catch {
    return code;
  }
}

export function coversNow(window: Window, at: Date): boolean {
  const starts = Date.parse(window.starts_at);
  const ends = window.ends_at ? Date.parse(window.ends_at) : Infinity;
  return starts <= at.getTime() && at.getTime() < ends;
}

/** The countries some window covers at `at` (`*` = everywhere), sorted. */
export function countriesAt(title: StudioTitle, at: Date): string[] {
  const found = title.windows.filter((w) => coversNow(w, at)).flatMap((w) => w.countries);
  return [...new Set(found)].sort();
}

/** The rating that applies in a territory: its own, the default (`*`), else the strictest. */
export function ratingIn(title: StudioTitle, territory: string): Rating | null {
  const own = title.ratings.find((r) => r.territory === territory);
  const fallback = title.ratings.find((r) => r.territory === EVERYWHERE);
  const strictest = [...title.ratings].sort((a, b) => rank(b.maturity) - rank(a.maturity))[0];
  return own ?? fallback ?? strictest ?? null;
}

function rank(maturity: Maturity): number {
  return MATURITIES.indexOf(maturity);
}

export interface Verdict {
  readonly visible: boolean;
  readonly reasons: string[];
  readonly rating: Rating | null;
}

/** Would a profile of `maturity` in `territory` see the title at `at`, and if not, why. */
export function verdict(
  title: StudioTitle,
  territory: string,
  maturity: Maturity,
  at: Date,
): Verdict {
  const reasons: string[] = [];
  if (title.status !== 'published') {
    reasons.push(`The title is ${title.status}, not published.`);
  }
  const countries = countriesAt(title, at);
  if (!countries.includes(EVERYWHERE) && !countries.includes(territory)) {
    reasons.push(`No licence window covers ${countryName(territory)} now.`);
  }
  const rating = ratingIn(title, territory);
  const needs: Maturity = rating?.maturity ?? 'adult';
  if (rank(needs) > rank(maturity)) {
    const why = rating
      ? `Rated ${rating.value} (${rating.system})`
      : 'Not rated anywhere, so treated as adult';
    reasons.push(`${why}: ${maturity} profiles may not see it.`);
  }
  return { visible: reasons.length === 0, reasons, rating };
}

export interface Texts {
  readonly title: string;
  readonly synopsis: string;
  readonly language: string;
}

/** The viewer's language: the exact tag, the tag without region, another region, else original. */
export function textsIn(title: StudioTitle, language: string): Texts {
  const tags = Object.keys(title.localizations);
  const base = language.split('-')[0].toLowerCase();
  const found =
    tags.find((t) => t.toLowerCase() === language.toLowerCase()) ??
    tags.find((t) => t.toLowerCase() === base) ??
    tags.find((t) => t.split('-')[0].toLowerCase() === base);
  if (found) {
    return { ...title.localizations[found], language: found };
  }
  return {
    title: title.original_title,
    synopsis: title.synopsis,
    language: title.original_language,
  };
}
