import { ActivatedRoute } from '@angular/router';

/** The `next` query parameter when it is a path inside this app, else `fallback` (no open redirect). */
export function nextUrl(route: ActivatedRoute, fallback: string): string {
  const next = route.snapshot.queryParamMap.get('next') ?? '';
  const insideApp = next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\');
  return insideApp ? next : fallback;
}
