import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-studio-titles',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Studio</h1></main>`,
})
export class StudioTitles {}
