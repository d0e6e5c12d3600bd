import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Session } from '../core/session';

/** The studio's frame: a side navigation (a bar on phones) beside the screen in use; each
 * role sees the screens it may use (editors the catalog, analysts Insights, admins both). */
@Component({
  selector: 'app-studio-layout',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, RouterLinkActive, RouterOutlet],
  template: `<div class="studio">
    <nav class="side" aria-label="Studio">
      <p class="brand">Marquee Studio</p>
      @if (session.isStudio()) {
        <a
          routerLink="/studio"
          routerLinkActive="active"
          [routerLinkActiveOptions]="{ exact: true }"
          >Titles</a
        >
        <a routerLink="/studio/new" routerLinkActive="active">New title</a>
        <a routerLink="/studio/licences" routerLinkActive="active">Expiring licences</a>
      }
      @if (session.account()?.role === 'admin') {
        <a routerLink="/studio/billing" routerLinkActive="active">Billing</a>
        <a routerLink="/studio/experiments" routerLinkActive="active">Experiments</a>
      }
      @if (session.readsInsights()) {
        <a routerLink="/studio/insights" routerLinkActive="active">Insights</a>
      }
      <a routerLink="/browse" class="muted">Back to watching</a>
    </nav>
    <div class="screen"><router-outlet /></div>
  </div>`,
  styles: `
    .studio {
      display: grid;
      grid-template-columns: 13rem 1fr;
      min-height: 100vh;
      font-size: 0.9rem;
    }
    .side {
      background: var(--surface);
      padding: 1rem 0.75rem;
      display: flex;
      flex-direction: column;
      gap: 0.25rem;
    }
    .brand {
      font-weight: 700;
      margin: 0 0 1rem 0.5rem;
    }
    .side a {
      text-decoration: none;
      padding: 0.45rem 0.6rem;
      border-radius: var(--radius);
    }
    .side a.active {
      background: var(--surface-2);
      font-weight: 600;
    }
    .screen {
      min-width: 0;
    }
    @media (max-width: 720px) {
      .studio {
        grid-template-columns: 1fr;
        grid-template-rows: auto 1fr;
      }
      .side {
        flex-direction: row;
        flex-wrap: wrap;
        align-items: center;
        align-content: flex-start;
        padding: 0.5rem 0.75rem;
      }
      .brand {
        margin: 0 0.5rem 0 0;
      }
    }
  `,
})
export class StudioLayout {
  protected readonly session = inject(Session);
}
