import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

/** The front door for visitors: what Marquee is, and the way in. */
@Component({
  selector: 'app-landing',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  template: `
    <main class="landing">
      <section class="hero" aria-labelledby="landing-title">
        <h1 id="landing-title">Films and series, streamed.</h1>
        <p class="pitch">
          Watch in your web browser, on a laptop, tablet or phone, or download films and episodes to
          watch offline. Up to five profiles per account, kids profiles included. Change plans or
          cancel at any time.
        </p>
        <div class="actions">
          <a class="button primary" routerLink="/signup">Sign up</a>
          <a class="button light" routerLink="/signin">Sign in</a>
        </div>
      </section>
      <ul class="perks" aria-label="Why Marquee">
        <li>
          <strong>In your browser</strong
          ><span>Laptops, tablets and phones; nothing to install.</span>
        </li>
        <li>
          <strong>For the whole family</strong><span>Kids profiles and PIN-locked profiles.</span>
        </li>
        <li>
          <strong>Watch offline</strong
          ><span>Download films and episodes for the plane or the commute.</span>
        </li>
        <li>
          <strong>Pick up where you left off</strong
          ><span>Continue watching on any of your screens.</span>
        </li>
      </ul>
    </main>
  `,
  styles: `
    .landing {
      min-height: calc(100vh - 4rem);
      display: grid;
      align-content: center;
      gap: 3rem;
      padding: 2rem var(--gutter) 3rem;
      background:
        radial-gradient(ellipse at 20% 0%, rgb(229 9 20 / 35%), transparent 60%),
        radial-gradient(ellipse at 100% 100%, rgb(123 63 191 / 30%), transparent 55%);
    }
    .hero {
      max-width: 46rem;
    }
    h1 {
      font-size: clamp(2.2rem, 6vw, 4.5rem);
      line-height: 1.05;
      margin: 0 0 1rem;
    }
    .pitch {
      font-size: 1.15rem;
      color: var(--text-dim);
      max-width: 38rem;
      margin: 0 0 1.75rem;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
    }
    .actions .button {
      padding: 0.8rem 1.8rem;
      font-size: 1.1rem;
    }
    .perks {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
      gap: 1rem;
    }
    .perks li {
      display: grid;
      gap: 0.25rem;
      padding: 1rem 1.25rem;
      border-radius: var(--radius);
      background: rgb(255 255 255 / 6%);
    }
    .perks span {
      color: var(--text-dim);
    }
  `,
})
export class LandingPage {}
