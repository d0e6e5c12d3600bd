import { ChangeDetectionStrategy, Component } from '@angular/core';

@Component({
  selector: 'app-landing',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<main class="page"><h1>Marquee</h1></main>`,
})
export class LandingPage {}
