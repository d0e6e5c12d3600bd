import { ApiError } from '../api/client';
import { viewerMessage } from '../core/problems';
import { PlaybackFailure } from './engine';

/** A device holding one of the account's streams (`too-many-streams`). */
export interface StreamDevice {
  device: string;
  started_at: string;
}

/** Why nothing plays, in the viewer's words, and what the viewer can do about it. */
export interface PlayerProblem {
  message: string;
  /** Ask for the profile's PIN and start again. */
  askPin: boolean;
  /** The fix is in the account (plan, devices). */
  accountLink: string | null;
  devices: StreamDevice[];
  retry: boolean;
}

const FAILURE_WORDS: Record<PlaybackFailure['kind'], string> = {
  network: 'The video stopped loading. Check your connection and try again.',
  drm: 'This video could not be unlocked for playback on this device.',
  media: 'This video could not be played.',
};

const NOTHING_TO_DO: PlayerProblem = {
  message: '',
  askPin: false,
  accountLink: null,
  devices: [],
  retry: false,
};

const PIN_SLUGS = new Set(['pin-required', 'wrong-pin']);
/** The fix is on the account page: a plan, or (payment-required) a card in its Billing. */
const PLAN_SLUGS = new Set(['subscription-required', 'no-subscription', 'payment-required']);
const FINAL_SLUGS = new Set([
  'not-available-in-territory',
  'maturity-restricted',
  'not-found',
  'profile-locked',
]);

export function playerProblem(error: unknown): PlayerProblem {
  if (error instanceof PlaybackFailure) {
    return { ...NOTHING_TO_DO, message: FAILURE_WORDS[error.kind], retry: true };
  }
  const slug = error instanceof ApiError ? error.slug : '';
  const message = viewerMessage(error);
  if (slug === 'too-many-streams' && error instanceof ApiError) {
    return {
      ...NOTHING_TO_DO,
      message,
      devices: streamDevices(error.problem['devices']),
      accountLink: '/account',
      retry: true,
    };
  }
  if (PIN_SLUGS.has(slug)) {
    return { ...NOTHING_TO_DO, message, askPin: true };
  }
  if (PLAN_SLUGS.has(slug)) {
    return { ...NOTHING_TO_DO, message, accountLink: '/account' };
  }
  return { ...NOTHING_TO_DO, message, retry: !FINAL_SLUGS.has(slug) };
}

function streamDevices(value: unknown): StreamDevice[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value.flatMap((entry: unknown) => {
    const device = entry as Partial<StreamDevice> | null;
    return typeof device?.device === 'string'
      ? [{ device: device.device, started_at: String(device.started_at ?? '') }]
      : [];
  });
}
