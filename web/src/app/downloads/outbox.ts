/**
 * What this device owes the server about its downloads while offline: plays (they start the
 * play window and feed the viewing history) and releases (a download deleted offline frees its
 * device slot). Kept in `localStorage`, sent in order when the device is back online.
 */

export interface PlayReport {
  position_s: number;
  duration_s?: number;
  played_at: string;
}

export type OutboxItem =
  | { kind: 'plays'; downloadId: string; plays: PlayReport[] }
  | { kind: 'release'; downloadId: string };

/** How sending one item went: done (or refused for good, e.g. the download is gone), or
 * worth trying again later (no network, a server error). */
export type Sent = 'done' | 'retry';

const KEY = 'marquee.downloads.outbox';

/** `items` with `play` added: plays of one download travel together, in the order played. */
export function addPlay(items: OutboxItem[], downloadId: string, play: PlayReport): OutboxItem[] {
  const pending = items.find(
    (item): item is Extract<OutboxItem, { kind: 'plays' }> =>
      item.kind === 'plays' && item.downloadId === downloadId,
  );
  if (!pending) {
    return [...items, { kind: 'plays', downloadId, plays: [play] }];
  }
  return items.map((item) =>
    item === pending ? { ...pending, plays: [...pending.plays, play] } : item,
  );
}

/** `items` with a release of `downloadId`: its unsent plays go first, nothing after. */
export function addRelease(items: OutboxItem[], downloadId: string): OutboxItem[] {
  const others = items.filter((item) => item.kind !== 'release' || item.downloadId !== downloadId);
  return [...others, { kind: 'release', downloadId }];
}

/**
 * Sends `items` in order with `send`; stops at the first that must be retried (later items may
 * depend on it: plays before the release). Answers what is left to send.
 */
export async function flush(
  items: OutboxItem[],
  send: (item: OutboxItem) => Promise<Sent>,
): Promise<OutboxItem[]> {
  for (const [index, item] of items.entries()) {
    let sent: Sent;
    try {
      sent = await send(item);
    } catch {
      sent = 'retry';
    }
    if (sent === 'retry') {
      return items.slice(index);
    }
  }
  return [];
}

export function readOutbox(store: Storage = localStorage): OutboxItem[] {
  try {
    const parsed: unknown = JSON.parse(store.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as OutboxItem[]) : [];
  } catch {
    return [];
  }
}

export function writeOutbox(items: OutboxItem[], store: Storage = localStorage): void {
  if (items.length) {
    store.setItem(KEY, JSON.stringify(items));
  } else {
    store.removeItem(KEY);
  }
}
