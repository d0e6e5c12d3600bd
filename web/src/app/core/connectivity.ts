import { Injectable, signal } from '@angular/core';

/** Whether the browser is online, as a signal (the `online` and `offline` events). */
@Injectable({ providedIn: 'root' })
export class Connectivity {
  readonly online = signal(navigator.onLine);

  constructor() {
    window.addEventListener('online', () => this.online.set(true));
    window.addEventListener('offline', () => this.online.set(false));
  }
}
