import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-watch-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Player</h1></main>`,
})
export class WatchPage {}
