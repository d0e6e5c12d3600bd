import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-manage-profiles',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Manage profiles</h1></main>`,
})
export class ManageProfiles {}
