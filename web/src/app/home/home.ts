import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  signal,
} from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { Session } from '../core/session';
import { TitleCard, watchedFraction } from '../shared/title-card';
import { Hero } from './hero';

type Row = Schemas['BrowseRow'];
type ContinueItem = Schemas['ContinueItem'];

const CONTINUE_ROW = 'continue-watching';
/** Grey rows drawn while the screen loads. */
const SKELETON_ROWS = [0, 1, 2];
const SKELETON_CARDS = [0, 1, 2, 3, 4, 5, 6];
/** Served by `marquee demo` only (other servers answer 404): titles whose media are coming. */
const DEMO_STATUS = '/api/v1/demo/status';
const DEMO_POLL_MS = 10_000;

/** Home: a featured title, then the profile's rows (Continue Watching, Top 10, genres…). */
@Component({
  selector: 'app-home',
  imports: [Hero, TitleCard],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './home.html',
  styleUrl: './home.css',
})
export class HomePage {
  private readonly session = inject(Session);

  protected readonly rows = signal<Row[] | null>(null);
  protected readonly error = signal('');
  /** Demo titles still being prepared (0 outside `marquee demo`). */
  protected readonly preparing = signal(0);
  private demoPoll?: ReturnType<typeof setTimeout>;
  private readonly resumable = signal(new Map<string, ContinueItem>());

  protected readonly shownRows = computed(() =>
    (this.rows() ?? []).filter((row) => row.items.length),
  );
  protected readonly featured = computed(() => featuredTitle(this.shownRows()));
  protected readonly skeletonRows = SKELETON_ROWS;
  protected readonly skeletonCards = SKELETON_CARDS;

  constructor() {
    effect(() => {
      const profileId = this.session.profile()?.id;
      if (profileId) {
        void this.load(profileId);
        void this.watchDemo(profileId);
      }
    });
    inject(DestroyRef).onDestroy(() => clearTimeout(this.demoPoll));
  }

  protected isContinueRow(row: Row): boolean {
    return row.id === CONTINUE_ROW;
  }

  protected progressOf(titleId: string): number | null {
    const item = this.resumable().get(titleId);
    return item?.reason === 'resume' ? watchedFraction(item.position_s, item.duration_s) : null;
  }

  /** Continue Watching cards start the player: on the episode to resume or the next one. */
  protected playerParams(titleId: string): Record<string, string> | null {
    const episode = this.resumable().get(titleId)?.episode_id;
    return episode ? { episode } : null;
  }

  protected noteFor(titleId: string): string | null {
    return this.resumable().get(titleId)?.reason === 'next_episode' ? 'Next episode' : null;
  }

  protected scrollRow(scroller: HTMLElement, direction: 1 | -1): void {
    scroller.scrollBy({ left: direction * scroller.clientWidth * 0.9, behavior: 'smooth' });
  }

  /** Keyboard users tabbing through cards: the focused card's row comes into view. */
  protected reveal(event: FocusEvent): void {
    const target = event.target;
    if (target instanceof HTMLElement) {
      target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }
  }

  /** While the demo makes its media, say how many titles are coming and show each one as it
   * is published (the rows are fetched again, without the skeleton, when the count drops). */
  private async watchDemo(profileId: string): Promise<void> {
    clearTimeout(this.demoPoll);
    const preparing = await demoTitlesPreparing();
    if (preparing < this.preparing()) {
      await this.load(profileId, false);
    }
    this.preparing.set(preparing);
    if (preparing > 0) {
      this.demoPoll = setTimeout(() => void this.watchDemo(profileId), DEMO_POLL_MS);
    }
  }

  private async load(profileId: string, skeleton = true): Promise<void> {
    if (skeleton) {
      this.rows.set(null);
    }
    this.error.set('');
    try {
      const [browse, resumable] = await Promise.all([
        ok(api.GET('/api/v1/browse', { params: { query: { profile_id: profileId } } })),
        this.loadContinueWatching(profileId),
      ]);
      this.resumable.set(new Map(resumable.map((item) => [item.title_id, item])));
      this.rows.set(browse.rows);
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }

  /** Positions for the Continue Watching row; without them the row still shows, barless. */
  private async loadContinueWatching(profileId: string): Promise<ContinueItem[]> {
    try {
      return await ok(
        api.GET('/api/v1/profiles/{profile_id}/continue-watching', {
          params: { path: { profile_id: profileId } },
        }),
      );
    } catch {
      return [];
    }
  }
}

async function demoTitlesPreparing(): Promise<number> {
  try {
    const answer = await fetch(DEMO_STATUS);
    return answer.ok ? ((await answer.json()) as { titles_preparing: number }).titles_preparing : 0;
  } catch {
    return 0;
  }
}

/** The first title of the first row that is not Continue Watching (else of any row). */
function featuredTitle(rows: Row[]): Schemas['RowItem'] | null {
  const row = rows.find((candidate) => candidate.id !== CONTINUE_ROW) ?? rows[0];
  return row?.items[0] ?? null;
}
