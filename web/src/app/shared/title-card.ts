import { ChangeDetectionStrategy, Component, computed, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { Schemas } from '../api/client';
import { MyListButton } from './my-list-button';

/** What a card shows: any title summary of the API (browse row items, search and list pages). */
export type CardTitle = Pick<
  Schemas['TitleSummary'],
  'id' | 'title' | 'release_year' | 'rating' | 'poster'
>;

/** How much of a title was watched, 0–1 (0 when the duration is unknown). */
export function watchedFraction(positionS: number, durationS: number): number {
  return durationS > 0 ? Math.min(1, Math.max(0, positionS / durationS)) : 0;
}

/**
 * A title as a poster link (to its page unless `link` says otherwise), named by the title for
 * screen readers and tests: the link's name is its visible caption, so speech input finds it by
 * what it shows (a label apart from the text was axe's `label-content-name-mismatch`); the year,
 * rating and note sit under the link. Without a poster, or when it fails to load, the name is
 * drawn on the poster too (hidden from screen readers, the caption names the link).
 */
@Component({
  selector: 'app-title-card',
  imports: [RouterLink, MyListButton],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a
      class="card"
      data-testid="title-card"
      [routerLink]="route()"
      [queryParams]="queryParams()"
      [class.ranked]="rank() !== null"
    >
      @if (rank() !== null) {
        <span class="rank" aria-hidden="true">{{ rank() }}</span>
      }
      <span class="poster">
        @if (posterUrl(); as url) {
          <img
            [src]="url"
            alt=""
            loading="lazy"
            decoding="async"
            (error)="posterFailed.set(true)"
          />
        } @else {
          <span class="fallback" aria-hidden="true">{{ title().title }}</span>
        }
        @if (progress() !== null) {
          <span class="progress" aria-hidden="true">
            <span class="watched" [style.width.%]="progressPercent()"></span>
          </span>
        }
      </span>
      <span class="name">{{ title().title }}</span>
    </a>
    <span class="meta" [class.ranked]="rank() !== null">
      @if (title().release_year; as year) {
        <span>{{ year }}</span>
      }
      @if (title().rating; as rating) {
        <span class="badge">{{ rating.value }}</span>
      }
      @if (note(); as text) {
        <span>{{ text }}</span>
      }
      @if (listButton()) {
        <app-my-list-button class="list" [compact]="true" [titleId]="title().id" />
      }
    </span>
  `,
  styles: `
    :host {
      display: block;
      min-width: 0;
    }
    .card {
      display: block;
      text-decoration: none;
      border-radius: var(--radius);
      position: relative;
    }
    /* A row of ranked cards may set --rank-w, the room the number takes left of the poster. */
    .card.ranked {
      padding-left: var(--rank-w, 2.6rem);
    }
    .rank {
      position: absolute;
      left: 0;
      bottom: 2.4rem;
      font-size: 4.5rem;
      letter-spacing: -0.3rem;
      font-weight: 800;
      line-height: 1;
      color: var(--bg);
      -webkit-text-stroke: 2px var(--text-dim);
    }
    .poster {
      display: block;
      position: relative;
      aspect-ratio: 2 / 3;
      border-radius: var(--radius);
      overflow: hidden;
      z-index: 1;
      background: var(--surface-2);
      transition: filter 0.15s ease;
    }
    .card:hover .poster,
    .card:focus-visible .poster {
      filter: brightness(1.2);
    }
    img {
      width: 100%;
      height: 100%;
      object-fit: cover;
      display: block;
    }
    .fallback {
      display: grid;
      place-items: center;
      height: 100%;
      padding: 0.75rem;
      text-align: center;
      font-weight: 700;
      font-size: 1.1rem;
      background: linear-gradient(160deg, #3a3a3a, var(--surface));
    }
    .progress {
      position: absolute;
      left: 0.4rem;
      right: 0.4rem;
      bottom: 0.4rem;
      height: 4px;
      border-radius: 2px;
      background: rgb(255 255 255 / 35%);
    }
    .watched {
      display: block;
      height: 100%;
      border-radius: 2px;
      background: var(--accent);
    }
    .name {
      display: block;
      padding: 0.35rem 0.1rem 0;
      font-size: 0.85rem;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .meta {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem;
      align-items: center;
      padding: 0 0.1rem;
      color: var(--text-dim);
      font-size: 0.8rem;
      min-height: 1.2rem;
    }
    .meta.ranked {
      padding-left: var(--rank-w, 2.6rem);
    }
    .badge {
      font-size: 0.75rem;
    }
    .list {
      margin-left: auto;
    }
  `,
})
export class TitleCard {
  /** The title: a `TitleSummary`, a browse `RowItem`, or anything with these fields. */
  readonly title = input.required<CardTitle>();
  /** Its place in a Top 10 row, drawn beside the poster. */
  readonly rank = input<number | null>(null);
  /** How much was watched (0–1) for a progress bar; `null` draws none. */
  readonly progress = input<number | null>(null);
  /** Where the card leads: router commands; the title's page by default. */
  readonly link = input<readonly string[] | null>(null);
  readonly queryParams = input<Record<string, string> | null>(null);
  /** A short line under the name, such as "S1 E3". */
  readonly note = input<string | null>(null);
  /** An "Add to My List" / "Remove from My List" button under the poster. */
  readonly listButton = input(true);

  protected readonly posterFailed = signal(false);
  protected readonly route = computed(() => this.link() ?? ['/title', this.title().id]);
  protected readonly posterUrl = computed(() =>
    this.posterFailed() ? null : (this.title().poster?.url ?? null),
  );
  protected readonly progressPercent = computed(() => Math.round((this.progress() ?? 0) * 100));
}
