import { signal } from '@angular/core';
import { viewerMessage } from '../core/problems';

/** One form's request in flight: busy while it runs, then its problem or its confirmation in viewer words. */
export class Action {
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  readonly notice = signal<string | null>(null);
  /** The error itself, for a screen that places some problems next to their field. */
  readonly failure = signal<unknown>(null);

  constructor(private readonly describe: (error: unknown) => string = viewerMessage) {}

  /** Runs `work`; a sentence it returns is the notice. True when it succeeded. */
  async run(work: () => Promise<string | void>): Promise<boolean> {
    this.busy.set(true);
    this.clear();
    try {
      this.notice.set((await work()) || null);
      return true;
    } catch (error) {
      this.failure.set(error);
      this.error.set(this.describe(error));
      return false;
    } finally {
      this.busy.set(false);
    }
  }

  clear(): void {
    this.error.set(null);
    this.notice.set(null);
    this.failure.set(null);
  }
}
