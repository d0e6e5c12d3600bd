import { Injectable, signal } from '@angular/core';
import { api, ok } from '../api/client';
import { Action } from '../auth/action';
import { type Profile } from '../core/session';

/** The account's profiles for one screen: loaded on demand, with the problem in viewer words. */
@Injectable()
export class ProfileList {
  readonly profiles = signal<Profile[]>([]);
  readonly loaded = signal(false);
  private readonly action = new Action();
  readonly error = this.action.error;

  async load(): Promise<void> {
    await this.action.run(async () => {
      this.profiles.set(await ok(api.GET('/api/v1/profiles')));
    });
    this.loaded.set(true);
  }
}
