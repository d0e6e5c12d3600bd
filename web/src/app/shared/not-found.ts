import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'app-not-found',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `<main class="page narrow">
    <h1>Lost your way?</h1>
    <p>There is nothing at this address.</p>
    <a class="button" routerLink="/">Home</a>
  </main>`,
})
export class NotFoundPage {}
