import { Injectable, effect, inject, signal, untracked } from '@angular/core';
import { api, ok } from '../api/client';
import { Session } from '../core/session';

/**
 * The current profile's My List as a set of title ids, read once per profile and kept in step
 * with the buttons that change it, so every card and the title page agree without each asking
 * the server.
 */
@Injectable({ providedIn: 'root' })
export class MyList {
  private readonly session = inject(Session);
  private readonly ids = signal<ReadonlySet<string>>(new Set());
  readonly titleIds = this.ids.asReadonly();

  constructor() {
    effect(() => {
      const profileId = this.session.profile()?.id ?? null;
      untracked(() => this.load(profileId));
    });
  }

  /** Add or remove the title; the set changes at once and goes back if the server refuses. */
  async toggle(titleId: string): Promise<void> {
    const profileId = this.session.profile()?.id;
    if (!profileId) {
      return;
    }
    const listed = this.ids().has(titleId);
    this.set(titleId, !listed);
    const params = { params: { path: { profile_id: profileId, title_id: titleId } } };
    try {
      await ok(
        listed
          ? api.DELETE('/api/v1/profiles/{profile_id}/list/{title_id}', params)
          : api.PUT('/api/v1/profiles/{profile_id}/list/{title_id}', params),
      );
    } catch {
      this.set(titleId, listed);
    }
  }

  private set(titleId: string, listed: boolean): void {
    const next = new Set(this.ids());
    if (listed) {
      next.add(titleId);
    } else {
      next.delete(titleId);
    }
    this.ids.set(next);
  }

  private load(profileId: string | null): void {
    this.ids.set(new Set());
    if (profileId === null) {
      return;
    }
    void ok(
      api.GET('/api/v1/profiles/{profile_id}/list', {
        params: { path: { profile_id: profileId } },
      }),
    )
      .then((items) => this.ids.set(new Set(items.map((item) => item.id))))
      .catch(() => undefined);
  }
}
