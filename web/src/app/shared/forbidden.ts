import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'app-forbidden',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `<main class="page narrow" data-testid="forbidden">
    <h1>This page is for the studio team</h1>
    <p>Your account cannot open it. Ask an administrator for the editor role.</p>
    <a class="button" routerLink="/browse">Back to watching</a>
  </main>`,
})
export class ForbiddenPage {}
