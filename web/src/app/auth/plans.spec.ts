import { describe, expect, it } from 'vitest';
import { type Plan, planPrice } from './plans';

const PREMIUM: Plan = {
  id: 'premium',
  name: 'Premium',
  max_streams: 4,
  max_height: 2160,
  download_devices: 6,
  prices: { EUR: 1549 },
};

function taxed(inclusive: boolean, name: string, tax: number): Plan {
  const shown = inclusive ? 1549 + tax : 1549;
  return {
    ...PREMIUM,
    tax: { country: 'XX', name, rate: '0.19', inclusive },
    taxed_prices: { EUR: { net: 1549, tax, total: 1549 + tax, shown } },
  };
}

describe('planPrice', () => {
  it('is the plan price where no country priced it', () => {
    expect(planPrice(PREMIUM)).toMatch(/^€15\.49 a month$/);
  });

  it('shows the total with the tax in it where prices include tax', () => {
    expect(planPrice(taxed(true, 'VAT', 294))).toMatch(/^€18\.43 a month incl\. VAT$/);
  });

  it('shows the price and names the tax added at checkout elsewhere', () => {
    expect(planPrice(taxed(false, 'GST', 77))).toMatch(/^€15\.49 a month plus GST$/);
  });

  it('says nothing of a tax of nothing', () => {
    expect(planPrice(taxed(false, 'Sales tax', 0))).toMatch(/^€15\.49 a month$/);
  });
});
