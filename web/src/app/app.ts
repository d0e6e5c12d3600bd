import { ChangeDetectionStrategy, Component, effect, inject, untracked } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Connectivity } from './core/connectivity';
import { Session } from './core/session';

/** The shell: a header with navigation for a signed-in viewer, and the routed screen. */
@Component({
  selector: 'app-root',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  protected readonly session = inject(Session);
  private readonly router = inject(Router);
  protected readonly online = inject(Connectivity).online;

  constructor() {
    let wasOffline = false;
    effect(() => {
      const online = this.online();
      if (online && wasOffline) {
        untracked(() => void this.session.load(true)); // who is signed in, unknown offline
      }
      wasOffline = !online;
    });
    void this.session.load();
  }

  protected async signOut(): Promise<void> {
    await this.session.signOut();
    await this.router.navigateByUrl('/');
  }
}
