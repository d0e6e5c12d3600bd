import type shaka from 'shaka-player/dist/shaka-player.compiled-es2021';
import { preloadEngine } from '../player/engine';
import type { ClearKeys } from './keys';

/**
 * Shaka playing a stored download (`offline:` URI) with the keys the app kept: no licence
 * request, no network. Whether it may still play is the caller's check (./expiry.ts).
 */
export class OfflinePlayer {
  private constructor(private readonly player: shaka.Player) {}

  static async start(
    video: HTMLVideoElement,
    offlineUri: string,
    keys: ClearKeys,
  ): Promise<OfflinePlayer> {
    const lib = await preloadEngine();
    const player = new lib.Player();
    await player.attach(video);
    player.configure({ drm: { clearKeys: keys } });
    const playing = new OfflinePlayer(player);
    try {
      await player.load(offlineUri);
    } catch (error) {
      await playing.stop();
      throw error;
    }
    return playing;
  }

  stop(): Promise<unknown> {
    return this.player.destroy();
  }
}
