import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-signin',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Sign in</h1></main>`,
})
export class SignInPage {}
