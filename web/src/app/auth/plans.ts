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

/** The best picture the plan streams, in the words viewers know. */
export function planQuality(plan: Plan): string {
  if (plan.max_height >= 2160) {
    return '4K Ultra HD';
  }
  if (plan.max_height >= 1080) {
    return 'Full HD (1080p)';
  }
  return plan.max_height >= 720 ? 'HD (720p)' : `${plan.max_height}p`;
}

export function planStreams(plan: Plan): string {
  return plan.max_streams === 1
    ? 'Watch on 1 screen at a time'
    : `Watch on ${plan.max_streams} screens at a time`;
}

export function planDownloads(plan: Plan): string {
  if (plan.download_devices === 0) {
    return 'No downloads';
  }
  return plan.download_devices === 1
    ? 'Downloads on 1 device'
    : `Downloads on ${plan.download_devices} devices`;
}
