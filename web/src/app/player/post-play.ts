import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  type OnInit,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { Thumbs } from '../shared/thumbs';
import { TitleCard } from '../shared/title-card';
import type { EpisodeRef } from './next-episode';

type BrowseRow = Schemas['BrowseRow'];
type RowItem = Schemas['RowItem'];

/** Seconds the end screen counts down before the next episode starts by itself. */
export const COUNTDOWN_S = 10;
const OFFERS = 6;
/** Browse rows "Because You Watched …" have the id `because-<title id>` (discovery's browse). */
const BECAUSE = 'because-';

/**
 * What the player shows when a title ends: the next episode, started after a countdown when
 * the profile has autoplay on (cancellable, by the button or Escape), or else, after a film or
 * a series' last episode, titles from the profile's "Because You Watched" row.
 *
 * It exists only while the video stands at its end, so playing again or leaving stops the
 * countdown. Focus moves to its first button, so a keyboard user acts on it at once.
 */
@Component({
  selector: 'app-post-play',
  imports: [TitleCard, Thumbs],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (next(); as next) {
      <aside
        class="up-next"
        aria-label="Up next"
        data-testid="post-play"
        (keydown.escape)="cancelOnEscape($event)"
      >
        <p class="muted">Up next</p>
        <p class="name">{{ next.label }}</p>
        @if (secondsLeft(); as seconds) {
          <p role="timer" data-testid="countdown">Playing in {{ seconds }} s</p>
        }
        <div class="actions">
          <button #first type="button" class="button primary" (click)="playNext.emit()">
            Play now
          </button>
          @if (secondsLeft() !== null) {
            <button type="button" class="button light" (click)="cancel()">Cancel</button>
          }
        </div>
        <app-thumbs class="rate" [titleId]="titleId()" [profileId]="profileId()" />
      </aside>
    } @else if (offers(); as row) {
      <aside class="up-next offers" [attr.aria-label]="row.title" data-testid="post-play">
        <app-thumbs class="rate" [titleId]="titleId()" [profileId]="profileId()" />
        <h2>{{ row.title }}</h2>
        <div class="cards" role="list">
          @for (item of row.items; track item.id) {
            <app-title-card role="listitem" [title]="item" />
          }
        </div>
      </aside>
    } @else {
      <aside class="up-next" aria-label="Rate this title" data-testid="post-play">
        <p class="name">How was it?</p>
        <app-thumbs [titleId]="titleId()" [profileId]="profileId()" />
      </aside>
    }
  `,
  styles: `
    .up-next {
      position: absolute;
      right: var(--gutter);
      bottom: 7rem;
      max-width: min(34rem, 90vw);
      padding: 1.5rem;
      border-radius: var(--radius);
      background: rgba(20, 20, 20, 0.95);
    }
    p {
      margin: 0.25rem 0;
    }
    .name {
      font-weight: 700;
    }
    .actions {
      display: flex;
      gap: 0.75rem;
      margin-top: 1rem;
    }
    .offers {
      max-width: min(48rem, 92vw);
    }
    .rate {
      display: block;
      margin: 0.5rem 0;
    }
    h2 {
      margin: 0 0 0.75rem;
      font-size: 1.1rem;
    }
    .cards {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(6.5rem, 1fr));
      gap: 0.75rem;
    }
  `,
})
export class PostPlay implements OnInit {
  /** The episode that follows, or null after a film or a series' last episode. */
  readonly next = input<EpisodeRef | null>(null);
  /** The profile's `autoplay_next`: count down and play the next episode by itself. */
  readonly autoplay = input(true);
  readonly titleId = input.required<string>();
  readonly profileId = input.required<string>();
  /** Settles once the server knows the title ended, so the rows count it as watched. */
  readonly reported = input<Promise<void>>(Promise.resolve());
  readonly playNext = output<void>();

  protected readonly secondsLeft = signal<number | null>(null);
  protected readonly offers = signal<{ title: string; items: RowItem[] } | null>(null);
  private readonly first = viewChild<ElementRef<HTMLButtonElement>>('first');
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    inject(DestroyRef).onDestroy(() => clearInterval(this.timer));
  }

  ngOnInit(): void {
    if (!this.next()) {
      void this.loadOffers();
      return;
    }
    if (this.autoplay()) {
      this.secondsLeft.set(COUNTDOWN_S);
      this.timer = setInterval(() => this.tick(), 1000);
    }
    setTimeout(() => this.first()?.nativeElement.focus());
  }

  protected cancel(): void {
    clearInterval(this.timer);
    this.secondsLeft.set(null);
    this.first()?.nativeElement.focus();
  }

  /** Escape stops a running countdown; without one it is the player's (back to the title). */
  protected cancelOnEscape(event: Event): void {
    if (this.secondsLeft() !== null) {
      event.preventDefault();
      this.cancel();
    }
  }

  private tick(): void {
    const left = (this.secondsLeft() ?? 1) - 1;
    if (left > 0) {
      this.secondsLeft.set(left);
      return;
    }
    this.cancel();
    this.playNext.emit();
  }

  private async loadOffers(): Promise<void> {
    await this.reported();
    const browse = await ok(
      api.GET('/api/v1/browse', { params: { query: { profile_id: this.profileId() } } }),
    ).catch(() => null);
    const row = browse ? becauseRow(browse.rows, this.titleId()) : null;
    const items = row?.items.filter((item) => item.id !== this.titleId()).slice(0, OFFERS) ?? [];
    this.offers.set(row && items.length ? { title: row.title, items } : null);
  }
}

/** The row made for this title, else the row made for another recently watched one. */
function becauseRow(rows: BrowseRow[], titleId: string): BrowseRow | null {
  return (
    rows.find((row) => row.id === `${BECAUSE}${titleId}`) ??
    rows.find((row) => row.id.startsWith(BECAUSE)) ??
    null
  );
}
