import { ChangeDetectionStrategy, Component, effect, input, signal } from '@angular/core';
import { ApiError, api, ok } from '../api/client';

type Thumb = 'up' | 'down';

/**
 * Thumbs up and down on a title for a profile: two toggle buttons (aria-pressed); pressing the
 * one already pressed clears the rating. The shown state changes at once and goes back if the
 * server refuses.
 */
@Component({
  selector: 'app-thumbs',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="thumbs" role="group" aria-label="Rate this title" data-testid="thumbs">
      <button
        type="button"
        aria-label="Rate thumbs up"
        title="Rate thumbs up"
        [attr.aria-pressed]="thumb() === 'up'"
        (click)="rate('up')"
      >
        <span aria-hidden="true">👍</span>
      </button>
      <button
        type="button"
        aria-label="Rate thumbs down"
        title="Rate thumbs down"
        [attr.aria-pressed]="thumb() === 'down'"
        (click)="rate('down')"
      >
        <span aria-hidden="true">👎</span>
      </button>
    </span>
  `,
  styles: `
    .thumbs {
      display: inline-flex;
      gap: 0.5rem;
    }
    button[aria-pressed='true'] {
      outline: 2px solid var(--accent);
    }
  `,
})
export class Thumbs {
  readonly titleId = input.required<string>();
  readonly profileId = input.required<string>();
  protected readonly thumb = signal<Thumb | null>(null);

  constructor() {
    effect(() => void this.load(this.profileId(), this.titleId()));
  }

  protected async rate(thumb: Thumb): Promise<void> {
    const before = this.thumb();
    const next = before === thumb ? null : thumb;
    this.thumb.set(next);
    const path = { profile_id: this.profileId(), title_id: this.titleId() };
    try {
      await ok(
        next === null
          ? api.DELETE('/api/v1/profiles/{profile_id}/ratings/{title_id}', { params: { path } })
          : api.PUT('/api/v1/profiles/{profile_id}/ratings/{title_id}', {
              params: { path },
              body: { thumb: next },
            }),
      );
    } catch {
      this.thumb.set(before);
    }
  }

  private async load(profileId: string, titleId: string): Promise<void> {
    this.thumb.set(null);
    try {
      const found = await ok(
        api.GET('/api/v1/profiles/{profile_id}/ratings/{title_id}', {
          params: { path: { profile_id: profileId, title_id: titleId } },
        }),
      );
      this.thumb.set(found?.thumb ?? null);
    } catch (error) {
      if (!(error instanceof ApiError)) {
        throw error;
      }
    }
  }
}
