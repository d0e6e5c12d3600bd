import { ChangeDetectionStrategy, Component, computed, effect, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';

type Artwork = Schemas['Artwork'];

/**
 * The featured title on top of the home screen: its backdrop, synopsis, Play and More info.
 * A plain block, not a section: the home screen's sections are its rows.
 */
@Component({
  selector: 'app-hero',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="hero" data-testid="hero">
      @if (backdropUrl(); as url) {
        <img class="backdrop" [src]="url" alt="" />
      }
      <div class="backdrop-shade"></div>
      <div class="text">
        <h2 class="name">{{ title().title }}</h2>
        <p class="meta">
          @if (title().release_year; as year) {
            <span>{{ year }}</span>
          }
          @if (title().rating; as rating) {
            <span class="badge">{{ rating.value }}</span>
          }
          @for (genre of title().genres.slice(0, 3); track genre) {
            <span>{{ genre }}</span>
          }
        </p>
        <p class="synopsis">{{ title().synopsis }}</p>
        <div class="actions">
          <a class="button light" [routerLink]="['/watch', title().id]">
            <span aria-hidden="true">▶</span> Play
          </a>
          <a class="button" [routerLink]="['/title', title().id]">More info</a>
        </div>
      </div>
    </div>
  `,
  styles: `
    .hero {
      position: relative;
      min-height: clamp(16rem, 52vw, 36rem);
      display: flex;
      align-items: flex-end;
      margin: -1.5rem calc(-1 * var(--gutter)) 1.5rem;
      padding: 2rem var(--gutter);
      background: linear-gradient(120deg, #3b1a1d, var(--surface) 60%);
      overflow: hidden;
    }
    .text {
      position: relative;
      max-width: 38rem;
    }
    .name {
      font-size: clamp(1.8rem, 4vw, 3.2rem);
      margin-bottom: 0.5rem;
    }
    .meta {
      display: flex;
      flex-wrap: wrap;
      gap: 0.6rem;
      align-items: center;
      color: var(--text-dim);
      margin: 0 0 0.5rem;
    }
    .synopsis {
      display: -webkit-box;
      -webkit-line-clamp: 3;
      -webkit-box-orient: vertical;
      overflow: hidden;
      margin: 0 0 1rem;
    }
    .actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
    }
  `,
})
export class Hero {
  readonly title = input.required<Schemas['TitleSummary']>();

  /** The backdrop comes with the title's full view; the poster stands in until (or without) it. */
  private readonly artwork = signal<Artwork[]>([]);
  protected readonly backdropUrl = computed(
    () =>
      this.artwork().find((art) => art.kind === 'backdrop')?.url ??
      this.title().poster?.url ??
      null,
  );

  constructor() {
    effect(() => void this.loadArtwork(this.title().id));
  }

  private async loadArtwork(titleId: string): Promise<void> {
    this.artwork.set([]);
    try {
      const view = await ok(
        api.GET('/api/v1/titles/{title_id}', { params: { path: { title_id: titleId } } }),
      );
      this.artwork.set(view.artwork);
    } catch {
      this.artwork.set([]);
    }
  }
}
