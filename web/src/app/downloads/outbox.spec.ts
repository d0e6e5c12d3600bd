import { describe, expect, it } from 'vitest';
import {
  type OutboxItem,
  type Sent,
  addPlay,
  addRelease,
  flush,
  readOutbox,
  writeOutbox,
} from './outbox';

const PLAY = { position_s: 12, played_at: '2026-12-05T08:00:00Z' };
const LATER = { position_s: 40, duration_s: 60, played_at: '2026-12-05T09:00:00Z' };

describe('the outbox', () => {
  it('keeps the plays of one download together, in order', () => {
    const items = addPlay(addPlay(addPlay([], 'a', PLAY), 'b', PLAY), 'a', LATER);
    expect(items).toEqual([
      { kind: 'plays', downloadId: 'a', plays: [PLAY, LATER] },
      { kind: 'plays', downloadId: 'b', plays: [PLAY] },
    ]);
  });

  it('sends plays before the release of the same download, once', () => {
    const items = addRelease(addRelease(addPlay([], 'a', PLAY), 'a'), 'a');
    expect(items.map((item) => item.kind)).toEqual(['plays', 'release']);
  });

  it('sends everything when the server answers', async () => {
    const sent: OutboxItem[] = [];
    const left = await flush(addRelease(addPlay([], 'a', PLAY), 'b'), async (item) => {
      sent.push(item);
      return 'done';
    });
    expect(left).toEqual([]);
    expect(sent).toHaveLength(2);
  });

  it('stops at the first item to retry and keeps it and what follows', async () => {
    const items = addRelease(addPlay(addPlay([], 'a', PLAY), 'b', PLAY), 'c');
    const answers: Sent[] = ['done', 'retry', 'done'];
    const left = await flush(items, async () => answers.shift() ?? 'done');
    expect(left).toEqual(items.slice(1));
  });

  it('keeps items when sending throws (no network)', async () => {
    const items = addPlay([], 'a', PLAY);
    const left = await flush(items, () => Promise.reject(new TypeError('Failed to fetch')));
    expect(left).toEqual(items);
  });

  it('survives a reload in storage, and empties it when all is sent', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (key: string) => store.get(key) ?? null,
      setItem: (key: string, value: string) => void store.set(key, value),
      removeItem: (key: string) => void store.delete(key),
    } as Storage;
    const items = addPlay([], 'a', PLAY);
    writeOutbox(items, storage);
    expect(readOutbox(storage)).toEqual(items);
    writeOutbox([], storage);
    expect(store.size).toBe(0);
    store.set('marquee.downloads.outbox', '{broken');
    expect(readOutbox(storage)).toEqual([]);
  });
});
