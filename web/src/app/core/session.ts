import { Injectable, computed, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';

export type Account = Schemas['Account'];
export type Profile = Schemas['Profile'];

/**
 * Who is signed in on this browser and which profile is watching, as signals.
 *
 * The server owns both (the session cookie and the session's current profile); this store
 * mirrors them so screens and guards read them synchronously.
 */
@Injectable({ providedIn: 'root' })
export class Session {
  readonly account = signal<Account | null>(null);
  readonly profile = signal<Profile | null>(null);
  readonly loaded = signal(false);
  readonly signedIn = computed(() => this.account() !== null);
  readonly isStudio = computed(() => {
    const role = this.account()?.role;
    return role === 'editor' || role === 'admin';
  });
  /** Admins and analysts read the analytics reports (the studio's Insights). */
  readonly readsInsights = computed(() => {
    const role = this.account()?.role;
    return role === 'admin' || role === 'analyst';
  });

  private loading: Promise<void> | null = null;

  /** Read the account and current profile once (guards await it); `refresh` reads again. */
  load(refresh = false): Promise<void> {
    if (!this.loading || refresh) {
      this.loading = this.read();
    }
    return this.loading;
  }

  async signIn(email: string, password: string): Promise<Schemas['MfaChallenge'] | null> {
    const answer = await ok(api.POST('/api/v1/auth/login', { body: { email, password } }));
    if ('mfa_token' in answer) {
      return answer;
    }
    await this.load(true);
    return null;
  }

  async signInWithCode(mfaToken: string, code: string): Promise<void> {
    await ok(api.POST('/api/v1/auth/login/mfa', { body: { mfa_token: mfaToken, code } }));
    await this.load(true);
  }

  async signUp(email: string, password: string): Promise<void> {
    await ok(api.POST('/api/v1/auth/signup', { body: { email, password } }));
    await this.load(true);
  }

  async signOut(): Promise<void> {
    await ok(api.POST('/api/v1/auth/logout'));
    this.account.set(null);
    this.profile.set(null);
  }

  async selectProfile(profileId: string, pin?: string): Promise<Profile> {
    const chosen = await ok(
      api.POST('/api/v1/profiles/{profile_id}/select', {
        params: { path: { profile_id: profileId } },
        body: { pin: pin ?? null },
      }),
    );
    this.profile.set(chosen);
    return chosen;
  }

  private async read(): Promise<void> {
    try {
      this.account.set(await ok(api.GET('/api/v1/account')));
      this.profile.set(await this.currentProfile());
    } catch {
      this.account.set(null);
      this.profile.set(null);
    } finally {
      this.loaded.set(true);
    }
  }

  private async currentProfile(): Promise<Profile | null> {
    try {
      return await ok(api.GET('/api/v1/profiles/current'));
    } catch {
      return null;
    }
  }
}
