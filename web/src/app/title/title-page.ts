import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-title-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Title</h1></main>`,
})
export class TitlePage {}
