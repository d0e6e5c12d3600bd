import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  linkedSignal,
  signal,
  viewChild,
} from '@angular/core';
import { Router } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { Session } from '../core/session';
import { TitleCard } from '../shared/title-card';

type Suggestion = Schemas['Suggestion'];
type TitleSummary = Schemas['TitleSummary'];

const SUGGEST_DELAY_MS = 150;
/** Typing pauses this long before the results and the URL follow the words. */
const RESULTS_DELAY_MS = 400;

/**
 * Search: a search box with as-you-type suggestions (the combobox pattern on a searchbox), and
 * result pages of title cards. The words live in the URL (`?q=`) so Back comes back to them.
 * Opening a result or a suggestion is told to recommend (a search click, a signal).
 */
@Component({
  selector: 'app-search-page',
  imports: [TitleCard],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './search-page.html',
  styleUrl: './search-page.css',
})
export class SearchPage {
  private readonly session = inject(Session);
  private readonly router = inject(Router);

  /** From the URL's `?q=`. */
  readonly q = input<string | undefined>();

  private readonly box = viewChild.required<ElementRef<HTMLInputElement>>('box');
  protected readonly text = linkedSignal(() => this.q() ?? '');
  protected readonly suggestions = signal<Suggestion[]>([]);
  protected readonly active = signal(-1);
  protected readonly open = signal(false);
  protected readonly results = signal<TitleSummary[]>([]);
  protected readonly total = signal(0);
  protected readonly searching = signal(false);
  protected readonly error = signal('');
  protected readonly query = computed(() => (this.q() ?? '').trim());
  protected readonly showSuggestions = computed(() => this.open() && this.suggestions().length > 0);
  protected readonly activeId = computed(() =>
    this.showSuggestions() && this.active() >= 0 ? optionId(this.active()) : null,
  );
  protected readonly hasMore = computed(() => this.results().length < this.total());
  protected readonly optionId = optionId;

  private page = 1;
  private searchRun = 0;
  private suggestRun = 0;
  private suggestTimer?: ReturnType<typeof setTimeout>;
  private urlTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    afterNextRender(() => focusAtEnd(this.box().nativeElement));
    effect(() => void this.search(this.query(), 1));
    inject(DestroyRef).onDestroy(() => {
      clearTimeout(this.suggestTimer);
      clearTimeout(this.urlTimer);
    });
  }

  protected typed(event: Event): void {
    const words = (event.target as HTMLInputElement).value;
    this.text.set(words);
    this.active.set(-1);
    this.open.set(true);
    clearTimeout(this.suggestTimer);
    clearTimeout(this.urlTimer);
    this.suggestTimer = setTimeout(() => void this.suggest(words.trim()), SUGGEST_DELAY_MS);
    this.urlTimer = setTimeout(() => this.showQuery(words, true), RESULTS_DELAY_MS);
  }

  /** Arrow keys move through the suggestions, Enter opens one, Escape closes them. */
  protected keydown(event: KeyboardEvent): void {
    const count = this.suggestions().length;
    if (event.key === 'ArrowDown' && count) {
      event.preventDefault();
      this.open.set(true);
      this.active.update((index) => (index + 1) % count);
    } else if (event.key === 'ArrowUp' && count) {
      event.preventDefault();
      this.open.set(true);
      this.active.update((index) => (index <= 0 ? count - 1 : index - 1));
    } else if (event.key === 'Escape' && this.showSuggestions()) {
      event.preventDefault();
      this.closeSuggestions();
    } else if (event.key === 'Enter' && this.activeId()) {
      event.preventDefault();
      this.choose(this.suggestions()[this.active()]);
    }
  }

  /** Enter without a chosen suggestion: search now, as a new step in the history. */
  protected submit(event: Event): void {
    event.preventDefault();
    clearTimeout(this.urlTimer);
    this.closeSuggestions();
    this.showQuery(this.text(), false);
  }

  protected choose(suggestion: Suggestion): void {
    this.closeSuggestions();
    this.recordClick(suggestion.id);
    void this.router.navigate(['/title', suggestion.id]);
  }

  /** A result's link was followed (not its My List button): a click for recommendations. */
  protected opened(event: Event, titleId: string): void {
    if ((event.target as Element | null)?.closest('a')) {
      this.recordClick(titleId);
    }
  }

  /** Tells recommend which title search led to; the page goes on whatever the answer. */
  private recordClick(titleId: string): void {
    const profileId = this.session.profile()?.id;
    if (profileId) {
      api
        .POST('/api/v1/profiles/{profile_id}/search-clicks', {
          params: { path: { profile_id: profileId } },
          body: { title_id: titleId },
        })
        .catch(() => undefined);
    }
  }

  protected closeSuggestions(): void {
    this.open.set(false);
    this.active.set(-1);
  }

  protected more(): void {
    void this.search(this.query(), this.page + 1);
  }

  /** The words go to the URL as typed (trailing space included), so the box keeps them. */
  private showQuery(words: string, replaceUrl: boolean): void {
    void this.router.navigate([], { queryParams: { q: words.trim() ? words : null }, replaceUrl });
  }

  private async suggest(words: string): Promise<void> {
    const run = ++this.suggestRun;
    const profileId = this.session.profile()?.id;
    if (!words || !profileId) {
      this.suggestions.set([]);
      return;
    }
    try {
      const answer = await ok(
        api.GET('/api/v1/search/suggest', {
          params: { query: { q: words, profile_id: profileId } },
        }),
      );
      if (run === this.suggestRun) {
        this.suggestions.set(answer.items);
      }
    } catch {
      this.suggestions.set([]);
    }
  }

  /** Page 1 replaces the results; later pages add to them. Answers to older words are dropped. */
  private async search(q: string, page: number): Promise<void> {
    const run = ++this.searchRun;
    const profileId = this.session.profile()?.id;
    this.error.set('');
    if (!q || !profileId) {
      this.results.set([]);
      this.total.set(0);
      return;
    }
    this.searching.set(true);
    try {
      const answer = await ok(
        api.GET('/api/v1/search', { params: { query: { q, page, profile_id: profileId } } }),
      );
      if (run === this.searchRun) {
        this.page = page;
        this.results.update((shown) => (page === 1 ? answer.items : [...shown, ...answer.items]));
        this.total.set(answer.total);
      }
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      if (run === this.searchRun) {
        this.searching.set(false);
      }
    }
  }
}

/** Autofocus with the caret after the words (a query from the URL is there to go on with). */
function focusAtEnd(box: HTMLInputElement): void {
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

function optionId(index: number): string {
  return `search-suggestion-${index}`;
}
