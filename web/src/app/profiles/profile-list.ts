import { Injectable, signal } from '@angular/core';
import { api, ok } from '../api/client';
import { viewerMessage } from '../core/problems';
import { type Profile } from '../core/session';

/** The account's profiles for one screen: loaded on demand, with the problem in viewer words. */
@Injectable()
export class ProfileList {
  readonly profiles = signal<Profile[]>([]);
  readonly loaded = signal(false);
  readonly error = signal<string | null>(null);

  async load(): Promise<void> {
    try {
      this.profiles.set(await ok(api.GET('/api/v1/profiles')));
      this.error.set(null);
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      this.loaded.set(true);
    }
  }
}
