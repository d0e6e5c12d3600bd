/**
 * Where the first rendition's throughput comes from: the device's last measured throughput,
 * kept in `localStorage`, else what recent sessions from the viewer's country (or region)
 * measured, asked of analytics (`GET /api/v1/analytics/startup-throughput`, which the browser
 * keeps 10 minutes), else nothing (the rule's default). Storage can be missing or full (private
 * modes, quotas): then nothing is remembered.
 */
import { api } from '../../api/client';

const KEY = 'marquee.abr.throughput_bps';

export function rememberedThroughputBps(): number | null {
  try {
    const value = Number(localStorage.getItem(KEY));
    return Number.isFinite(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

export function rememberThroughput(bps: number): void {
  if (!Number.isFinite(bps) || bps <= 0) {
    return;
  }
  try {
    localStorage.setItem(KEY, String(Math.round(bps)));
  } catch {
    // Storage refused (quota, private mode): the next play starts from the default.
  }
}

/** The throughput (bit/s) to start from: the device's own, else its country's or region's
 * recent sessions', else null; null too when analytics does not answer. */
export async function startupThroughputBps(): Promise<number | null> {
  const own = rememberedThroughputBps();
  if (own !== null) {
    return own;
  }
  const { data } = await api
    .GET('/api/v1/analytics/startup-throughput')
    .catch(() => ({ data: undefined }));
  const kbps = data?.throughput_kbps;
  return typeof kbps === 'number' && kbps > 0 ? kbps * 1000 : null;
}

/** The start throughput, asked for at once; {@link known} says what has come in so far, so the
 * player never waits on it (the rule reads it when Shaka first asks, after the manifest). */
export class StartupThroughput {
  private value: number | null = null;

  constructor(pending: Promise<number | null> = startupThroughputBps()) {
    void pending.then(
      (bps) => (this.value = bps),
      () => undefined,
    );
  }

  known(): number | null {
    return this.value;
  }
}
