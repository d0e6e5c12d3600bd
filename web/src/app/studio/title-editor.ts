import { ChangeDetectionStrategy, Component, effect, inject, input } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { TitleStore } from './title-store';

const TABS = [
  { path: '.', label: 'Details' },
  { path: 'media', label: 'Media' },
  { path: 'licences', label: 'Licences' },
  { path: 'publish', label: 'Publish' },
  { path: 'audit', label: 'Audit log' },
] as const;

/** One title in the studio: its heading, status and the tabs that edit it. */
@Component({
  selector: 'app-studio-title-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, RouterLinkActive, RouterOutlet],
  providers: [TitleStore],
  styleUrl: './studio.css',
  template: `<main class="page">
    @if (store.title(); as title) {
      <div class="actions">
        <h1>{{ title.original_title }}</h1>
        <span class="status" data-testid="title-status" [attr.data-status]="title.status">{{
          title.status
        }}</span>
        <span class="muted"
          >{{ title.kind }}{{ title.release_year ? ' · ' + title.release_year : '' }}</span
        >
      </div>
      <nav class="tabs" aria-label="Title sections">
        @for (tab of tabs; track tab.path) {
          <a
            [routerLink]="
              tab.path === '.'
                ? ['/studio/titles', title.id]
                : ['/studio/titles', title.id, tab.path]
            "
            routerLinkActive="active"
            [routerLinkActiveOptions]="{ exact: true }"
            ariaCurrentWhenActive="page"
            >{{ tab.label }}</a
          >
        }
      </nav>
      <p class="feedback" aria-live="polite">
        @if (store.error()) {
          <span class="form-error" role="alert">{{ store.error() }}</span>
        } @else if (store.saved()) {
          <span class="saved">{{ store.saved() }}</span>
        }
      </p>
      <router-outlet />
    } @else if (store.error()) {
      <p class="form-error" role="alert">{{ store.error() }}</p>
    } @else {
      <p class="muted">Loading…</p>
    }
  </main>`,
  styles: `
    h1 {
      margin: 0;
    }
    .tabs {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25rem;
      border-bottom: 1px solid #333;
      margin: 1rem 0 0.5rem;
    }
    .tabs a {
      text-decoration: none;
      padding: 0.5rem 0.9rem;
      border-bottom: 3px solid transparent;
    }
    .tabs a.active {
      border-color: var(--accent);
      font-weight: 600;
    }
    .feedback {
      min-height: 1.4rem;
      margin: 0 0 0.5rem;
    }
  `,
})
export class TitleEditor {
  readonly titleId = input.required<string>();
  protected readonly store = inject(TitleStore);
  protected readonly tabs = TABS;

  constructor() {
    effect(() => void this.store.load(this.titleId()));
  }
}
