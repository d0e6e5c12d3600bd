import { ApiError, api, ok, type Schemas } from '../api/client';
import { money } from '../core/money';

/** A plan; priced for the viewer's country (tax included or added) where it came with one. */
export type Plan = Schemas['Plan'] &
  Partial<Pick<Schemas['PlanInCountry'], 'tax' | 'taxed_prices'>>;

const PREFERRED_CURRENCIES = ['USD', 'EUR', 'GBP'];

/** "$15.49 a month" ("€18.43 a month incl. VAT" where priced for a country), in the first
 * currency the plan has among the preferred ones. */
export function planPrice(plan: Plan): string {
  const currencies = Object.keys(plan.prices);
  const currency = PREFERRED_CURRENCIES.find((code) => code in plan.prices) ?? currencies[0];
  if (!currency) {
    return 'Free';
  }
  const taxed = plan.taxed_prices?.[currency];
  const tax = plan.tax;
  if (!taxed || !tax || taxed.tax === 0) {
    return `${money(plan.prices[currency], currency)} a month`;
  }
  const how = tax.inclusive ? 'incl.' : 'plus';
  return `${money(taxed.shown, currency)} a month ${how} ${tax.name}`;
}

/**
 * Puts the account on the plan, or sends the viewer to the payment provider's checkout where a
 * new subscription starts there (`checkout-required`): false when it went to checkout.
 */
export async function subscribe(planId: string): Promise<boolean> {
  try {
    await ok(api.PUT('/api/v1/account/subscription', { body: { plan_id: planId } }));
    return true;
  } catch (error) {
    if (!(error instanceof ApiError) || error.slug !== 'checkout-required') {
      throw error;
    }
  }
  const body = { plan_id: planId, currency: 'USD' };
  const { url } = await ok(api.POST('/api/v1/account/subscription/checkout', { body }));
  window.location.assign(url);
  return false;
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
