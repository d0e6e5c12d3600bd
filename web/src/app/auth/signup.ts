import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-signup',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Sign up</h1></main>`,
})
export class SignUpPage {}
