/**
 * When a download may play, from what the server granted and what this device saw.
 *
 * The server computes `playable_until` (docs/downloads.md); offline, this device may have
 * started the play window itself before the server heard of it, so it narrows the limit
 * until it is back online. Pure functions: the Downloads page and its unit tests share them.
 */

export type DownloadState = 'active' | 'expired' | 'revoked';
export type RevokedReason = 'plan' | 'account' | 'profile' | 'window' | 'released';

/** The server's word on a download, as this device last heard it. */
export interface Grant {
  expires_at: string;
  play_window_hours: number;
  first_played_at: string | null;
  playable_until: string;
  state: DownloadState;
  revoked_reason: string | null;
}

/** What the Downloads page shows for one download, and what it offers. */
export type Availability =
  | { kind: 'playable'; until: Date; started: boolean }
  | { kind: 'expired'; message: string }
  | { kind: 'revoked'; message: string };

const HOUR_MS = 3_600_000;

const REVOKED_WORDS: Record<RevokedReason, string> = {
  plan: 'Removed: your plan now allows downloads on fewer devices.',
  account: 'Removed: the account was closed.',
  profile: 'Removed: the profile that downloaded it was deleted.',
  window: 'Removed: this title can no longer be watched here.',
  released: 'Removed from this device.',
};

/**
 * The last moment the download plays: the server's `playable_until`, or, once this device
 * played it first while offline, the end of the play window from then (never past the
 * licence window's end, which is binding when the server's limit is before `expires_at`).
 */
export function playableUntil(grant: Grant, localFirstPlay: string | null): Date {
  const until = new Date(grant.playable_until);
  if (grant.first_played_at || !localFirstPlay) {
    return until;
  }
  const windowEnd = until < new Date(grant.expires_at) ? until.getTime() : Infinity;
  const windowClose = new Date(localFirstPlay).getTime() + grant.play_window_hours * HOUR_MS;
  return new Date(Math.min(windowClose, windowEnd));
}

/** Whether the download plays at `now`, and if not, the sentence that says why. */
export function availability(grant: Grant, localFirstPlay: string | null, now: Date): Availability {
  if (grant.state === 'revoked') {
    const reason = grant.revoked_reason as RevokedReason | null;
    return {
      kind: 'revoked',
      message: (reason && REVOKED_WORDS[reason]) || REVOKED_WORDS.released,
    };
  }
  const until = playableUntil(grant, localFirstPlay);
  if (grant.state === 'expired' || now >= until) {
    return {
      kind: 'expired',
      message: `This download expired on ${until.toLocaleString()}. Renew it while online to watch it again.`,
    };
  }
  return { kind: 'playable', until, started: Boolean(grant.first_played_at || localFirstPlay) };
}

/** "Expires 12/31/2026, 10:00 AM" or, once started, "Plays until …". */
export function expiryText(available: Availability): string {
  if (available.kind !== 'playable') {
    return available.message;
  }
  const when = available.until.toLocaleString();
  return available.started ? `Plays until ${when}` : `Watch before ${when}`;
}
