import { describe, expect, it } from 'vitest';
import { type Grant, availability, expiryText, playableUntil } from './expiry';

const GRANTED = '2026-12-01T10:00:00Z';
const EXPIRES = '2026-12-31T10:00:00Z';

function grant(changes: Partial<Grant> = {}): Grant {
  return {
    expires_at: EXPIRES,
    play_window_hours: 48,
    first_played_at: null,
    playable_until: EXPIRES,
    state: 'active',
    revoked_reason: null,
    ...changes,
  };
}

describe('playableUntil', () => {
  it('is the server limit before any play', () => {
    expect(playableUntil(grant(), null)).toEqual(new Date(EXPIRES));
  });

  it('starts the play window at the first play made offline', () => {
    expect(playableUntil(grant(), '2026-12-05T08:00:00Z')).toEqual(
      new Date('2026-12-07T08:00:00Z'),
    );
  });

  it('lets a window started near the deadline run past it, as the server will', () => {
    expect(playableUntil(grant(), '2026-12-30T10:00:00Z')).toEqual(
      new Date('2027-01-01T10:00:00Z'),
    );
  });

  it('never runs past the licence window end the server named', () => {
    const windowEnd = '2026-12-06T00:00:00Z';
    expect(playableUntil(grant({ playable_until: windowEnd }), '2026-12-05T08:00:00Z')).toEqual(
      new Date(windowEnd),
    );
  });

  it('takes the server word once it knows of the first play', () => {
    const known = grant({
      first_played_at: '2026-12-04T00:00:00Z',
      playable_until: '2026-12-06T00:00:00Z',
    });
    expect(playableUntil(known, '2026-12-05T08:00:00Z')).toEqual(new Date('2026-12-06T00:00:00Z'));
  });
});

describe('availability', () => {
  it('plays before the limit, saying until when', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    const available = availability(grant(), null, now);
    expect(available).toEqual({ kind: 'playable', until: new Date(EXPIRES), started: false });
    expect(expiryText(available)).toContain('Watch before');
  });

  it('refuses past the play window started offline, offering renewal', () => {
    const now = new Date('2026-12-07T08:00:01Z');
    const available = availability(grant(), '2026-12-05T08:00:00Z', now);
    expect(available.kind).toBe('expired');
    expect(expiryText(available)).toMatch(/expired on .*Renew it while online/);
  });

  it('refuses exactly at the limit', () => {
    expect(availability(grant(), null, new Date(EXPIRES)).kind).toBe('expired');
  });

  it('believes the server that a download expired, whatever the clock says', () => {
    const now = new Date(GRANTED);
    expect(availability(grant({ state: 'expired' }), null, now).kind).toBe('expired');
  });

  it('says why a download was revoked', () => {
    const revoked = availability(
      grant({ state: 'revoked', revoked_reason: 'plan' }),
      null,
      new Date(GRANTED),
    );
    expect(revoked).toEqual({
      kind: 'revoked',
      message: 'Removed: your plan now allows downloads on fewer devices.',
    });
  });

  it('says a download was removed when the reason is unknown', () => {
    const revoked = availability(
      grant({ state: 'revoked', revoked_reason: 'something-new' }),
      null,
      new Date(GRANTED),
    );
    expect(revoked).toEqual({ kind: 'revoked', message: 'Removed from this device.' });
  });
});
