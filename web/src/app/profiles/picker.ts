import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-profile-picker',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Who is watching?</h1></main>`,
})
export class ProfilePicker {}
