import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-account-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Account</h1></main>`,
})
export class AccountPage {}
