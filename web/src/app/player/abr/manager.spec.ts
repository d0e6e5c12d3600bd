import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MarqueeAbrManager } from './manager';
import { rememberedThroughputBps } from './startup';

type Variant = shaka.extern.Variant;

/** Variants of a three-rung ladder, as much of them as the manager reads. */
const VARIANTS = [400_000, 1_500_000, 5_000_000].map(
  (bandwidth, id) =>
    ({
      id,
      bandwidth,
      video: { height: 360 * (id + 1), width: 640 * (id + 1), bandwidth },
    }) as unknown as Variant,
);

function started(hold?: (seconds: number) => void): {
  manager: MarqueeAbrManager;
  switched: ReturnType<typeof vi.fn>;
} {
  const manager = new MarqueeAbrManager({ maxHeight: 2160, renditions: [], segmentS: 4, hold });
  const switched = vi.fn();
  manager.init(switched);
  manager.setVariants(VARIANTS);
  manager.chooseVariant();
  manager.enable();
  return { manager, switched };
}

let clockMs = 0;

/** `seconds` of download at `mbps`, in 20 kB pieces as Shaka reports them (as they arrive). */
function download(manager: MarqueeAbrManager, mbps: number, seconds: number): void {
  const pieceMs = (20_000 * 8) / (mbps * 1e3);
  for (let doneMs = 0; doneMs < seconds * 1000; doneMs += pieceMs) {
    clockMs += pieceMs;
    manager.segmentDownloaded(pieceMs, 20_000, true);
  }
}

describe('Marquee ABR manager in Shaka', () => {
  beforeEach(() => vi.spyOn(performance, 'now').mockImplementation(() => clockMs));
  afterEach(() => vi.restoreAllMocks());

  it('steps up only once the segment downloading is in (a switch would abort it)', () => {
    const { manager, switched } = started();
    download(manager, 20, 1);
    expect(switched).not.toHaveBeenCalled();
    manager.segmentAppended('audio');
    expect(switched).not.toHaveBeenCalled();
    manager.segmentAppended('video');
    expect(switched).toHaveBeenCalledWith(VARIANTS[2]);
  });

  it('steps down at once when the throughput falls during a download', () => {
    const { manager, switched } = started();
    download(manager, 20, 1);
    manager.segmentAppended('video');
    switched.mockClear();
    download(manager, 0.3, 4);
    expect(switched).toHaveBeenCalledWith(VARIANTS[0]);
  });

  it('keeps its estimate on the device at every video segment, before the player stops', () => {
    localStorage.clear();
    const { manager } = started();
    download(manager, 3, 2);
    expect(rememberedThroughputBps()).toBeNull();
    manager.segmentAppended('video');
    expect(rememberedThroughputBps()).toBeCloseTo(3_000_000, -4);
  });

  it('asks for a buffer to hold while the link is slower than the lowest rendition', () => {
    const hold = vi.fn();
    const { manager } = started(hold);
    download(manager, 0.2, 2);
    expect(hold).toHaveBeenLastCalledWith(8);
    download(manager, 20, 3);
    expect(hold).toHaveBeenLastCalledWith(0);
  });
});
