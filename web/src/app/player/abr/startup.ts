/**
 * The device's last measured throughput, kept in `localStorage` so the next play starts on a
 * rendition it can carry instead of a fixed guess. Storage can be missing or full (private
 * modes, quotas): then nothing is remembered and the rule starts from its default.
 */

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
