import { type Schemas } from '../api/client';

export type Plan = Schemas['Plan'];

const PREFERRED_CURRENCIES = ['USD', 'EUR', 'GBP'];

/** "$15.49 a month", in the first currency the plan has among the preferred ones. */
export function planPrice(plan: Plan): string {
  const currencies = Object.keys(plan.prices);
  const currency = PREFERRED_CURRENCIES.find((code) => code in plan.prices) ?? currencies[0];
  if (!currency) {
    return 'Free';
  }
  const amount = new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(
    plan.prices[currency] / 100,
  );
  return `${amount} a month`;
}

/**
 * The best picture the plan streams, in the words viewers know. The plan's height is a cap:
 * a title plays in its best rendition at or below it, and the default encoding ladder stops
 * at 1080p, so a higher cap promises no particular format.
 */
export function planQuality(plan: Plan): string {
  if (plan.max_height > 1080) {
    return `Best picture a title has, up to ${plan.max_height}p`;
  }
  if (plan.max_height === 1080) {
    return 'Up to Full HD (1080p)';
  }
  return plan.max_height >= 720 ? 'Up to HD (720p)' : `Up to ${plan.max_height}p`;
}

export function planStreams(plan: Plan): string {
  return plan.max_streams === 1
    ? 'Watch on 1 screen at a time'
    : `Watch on ${plan.max_streams} screens at a time`;
}

/** Downloads to watch offline, on how many devices (a plan with none says so). */
export function planDownloads(plan: Plan): string {
  if (plan.download_devices < 1) {
    return 'No downloads';
  }
  return plan.download_devices === 1
    ? 'Download to watch offline on 1 device'
    : `Download to watch offline on ${plan.download_devices} devices`;
}
