import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '../../api/client';
import { StartupThroughput, rememberThroughput, startupThroughputBps } from './startup';

const ask = vi.spyOn(api, 'GET');

describe('the throughput playback starts from', () => {
  afterEach(() => {
    localStorage.clear();
    ask.mockReset();
  });

  it('is the device’s own last measurement, without asking analytics', async () => {
    rememberThroughput(3_000_000);
    expect(await startupThroughputBps()).toBe(3_000_000);
    expect(ask).not.toHaveBeenCalled();
  });

  it('is, on a new device, what recent sessions from its country or region measured', async () => {
    const answer = { country: 'FR', scope: 'region', throughput_kbps: 4200, sessions: 9 };
    ask.mockResolvedValue({ data: answer } as never);
    expect(await startupThroughputBps()).toBe(4_200_000);
    expect(ask).toHaveBeenCalledWith('/api/v1/analytics/startup-throughput');
  });

  it('is nothing when analytics has no figure or does not answer', async () => {
    const none = { country: 'FR', scope: null, throughput_kbps: null, sessions: 2 };
    ask.mockResolvedValueOnce({ data: none } as never);
    expect(await startupThroughputBps()).toBeNull();
    ask.mockRejectedValueOnce(new TypeError('offline'));
    expect(await startupThroughputBps()).toBeNull();
  });

  it('is never waited for: what has not come in yet is unknown', async () => {
    let answer: (bps: number | null) => void = () => undefined;
    const startup = new StartupThroughput(new Promise((resolve) => (answer = resolve)));
    expect(startup.known()).toBeNull();
    answer(2_500_000);
    await Promise.resolve();
    expect(startup.known()).toBe(2_500_000);
  });
});
