import { api, type Schemas } from '../api/client';

type Heartbeat = Schemas['Heartbeat'];
export type ReportedState = Heartbeat['state'];

/** What the reporter reads from the page when it is time to send. */
export type Snapshot = () => Heartbeat;

const HEARTBEAT_INTERVAL_MS = 10_000;

/**
 * Keeps a playback session's stream slot: a heartbeat every 10 s and whenever the page asks
 * (pause, seek), and one stop when the viewer leaves — sent with `keepalive`, so it still
 * goes out while the page unloads (`sendBeacon` cannot carry the CSRF header).
 */
export class SessionReporter {
  private readonly timer: ReturnType<typeof setInterval>;
  private stopped = false;

  constructor(
    private readonly sessionId: string,
    private readonly snapshot: Snapshot,
  ) {
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_INTERVAL_MS);
  }

  /** Sends the state now; settles once the server answered (or the request failed). */
  async beat(): Promise<void> {
    if (this.stopped) {
      return;
    }
    await api
      .POST('/api/v1/playback/sessions/{session_id}/heartbeat', {
        params: { path: { session_id: this.sessionId } },
        body: this.snapshot(),
      })
      .catch(() => undefined);
  }

  /** Frees the slot at the last position; later calls do nothing. */
  stop(): void {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    clearInterval(this.timer);
    stopSession(this.sessionId, this.snapshot().position_s);
  }
}

/** Ends a session; without a position, the viewer's place in the title stays where it was. */
export function stopSession(sessionId: string, positionS?: number): void {
  void api.POST('/api/v1/playback/sessions/{session_id}/stop', {
    params: { path: { session_id: sessionId } },
    body: positionS === undefined ? {} : { position_s: positionS },
    keepalive: true,
  });
}
