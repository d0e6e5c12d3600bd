import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { TitleCard, type CardTitle } from '../shared/title-card';
import { clock, valueOf } from './format';
import { TitleStore, type StudioTitle } from './title-store';
import {
  MATURITIES,
  type Maturity,
  countriesAt,
  countryName,
  textsIn,
  verdict,
} from './visibility';

type Artwork = Schemas['Artwork'];
type Move = 'publish' | 'unpublish' | 'retire';

const COMMON_TERRITORIES = ['US', 'GB', 'FR', 'DE', 'ES', 'IT', 'NL', 'SE', 'JP', 'BR', 'CA', 'IN'];
const MOVES: Record<StudioTitle['status'], readonly Move[]> = {
  draft: ['publish', 'retire'],
  published: ['unpublish', 'retire'],
  retired: ['publish'],
};
const MOVE_LABELS: Record<Move, string> = {
  publish: 'Publish',
  unpublish: 'Unpublish',
  retire: 'Retire',
};

/** The artwork a viewer gets: their language's, else the neutral one, else the original's. */
function artworkFor(title: StudioTitle, kind: Artwork['kind'], language: string): Artwork | null {
  const of = title.artwork.filter((a) => a.kind === kind);
  return (
    of.find((a) => a.language === language) ??
    of.find((a) => a.language === '') ??
    of.find((a) => a.language === title.original_language) ??
    null
  );
}

/** The Publish tab: status changes with a checklist, and the title as a chosen viewer sees it. */
@Component({
  selector: 'app-studio-title-publish',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TitleCard],
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="status-heading">
      <h2 id="status-heading">
        Status: <span class="status" [attr.data-status]="title.status">{{ title.status }}</span>
      </h2>
      <ul class="checklist" aria-label="Before publishing">
        @for (check of checklist(); track check.label) {
          <li [class.done]="check.done">
            <span aria-hidden="true">{{ check.done ? '✔' : '○' }}</span> {{ check.label
            }}<span class="sr-only">{{ check.done ? ': done' : ': not yet' }}</span>
          </li>
        }
      </ul>
      <div class="actions">
        @for (move of moves(); track move) {
          <button
            type="button"
            [class.primary]="move === 'publish'"
            [disabled]="store.saving()"
            (click)="go(move)"
          >
            {{ moveLabel(move) }}
          </button>
        }
      </div>
    </section>

    <section class="panel" aria-labelledby="preview-heading">
      <h2 id="preview-heading">Preview as a viewer</h2>
      <div class="toolbar">
        <div class="field">
          <label for="preview-territory">Territory</label>
          <input
            id="preview-territory"
            list="preview-territories"
            maxlength="2"
            [value]="shownTerritory()"
            (input)="territory.set(valueOf($event).toUpperCase())"
          />
          <datalist id="preview-territories">
            @for (code of territories(); track code) {
              <option [value]="code">{{ countryName(code) }}</option>
            }
          </datalist>
        </div>
        <div class="field">
          <label for="preview-maturity">Profile maturity</label>
          <select id="preview-maturity" (change)="maturity.set(asMaturity(valueOf($event)))">
            @for (level of maturities; track level) {
              <option [value]="level" [selected]="level === maturity()">{{ level }}</option>
            }
          </select>
        </div>
        <div class="field">
          <label for="preview-language">Language</label>
          <select id="preview-language" (change)="language.set(valueOf($event))">
            @for (tag of languages(); track tag) {
              <option [value]="tag" [selected]="tag === language()">{{ tag }}</option>
            }
          </select>
        </div>
      </div>
      @if (preview(); as p) {
        <p
          class="verdict"
          data-testid="preview-verdict"
          [class.visible]="p.verdict.visible"
          role="status"
        >
          @if (p.verdict.visible) {
            Visible to {{ profileName() }} in {{ countryName(shownTerritory()) }}.
          } @else {
            Hidden from {{ profileName() }} in {{ countryName(shownTerritory()) }}:
            @for (reason of p.verdict.reasons; track reason) {
              {{ reason }}
            }
          }
        </p>
        <div
          class="viewer"
          [class.hidden]="!p.verdict.visible"
          aria-label="Title page preview"
          role="region"
        >
          @if (p.backdrop) {
            <img class="backdrop" [src]="p.backdrop.url" alt="" />
          }
          <div class="card">
            <app-title-card
              [title]="p.card"
              [link]="['/studio/titles', title.id, 'publish']"
              [listButton]="false"
            />
          </div>
          <div class="info">
            <p class="name" [attr.lang]="p.texts.language">{{ p.texts.title }}</p>
            <p class="meta">
              @if (title.release_year) {
                <span>{{ title.release_year }}</span>
              }
              @if (p.verdict.rating; as rating) {
                <span class="badge">{{ rating.value }}</span>
              }
              @if (title.runtime_s) {
                <span>{{ clock(title.runtime_s) }}</span>
              }
              <span>{{ title.genres.join(' · ') }}</span>
            </p>
            <p [attr.lang]="p.texts.language">{{ p.texts.synopsis }}</p>
            @if (title.credits.length) {
              <p class="muted">With {{ cast(title) }}</p>
            }
            @if (title.audio_languages.length) {
              <p class="muted">
                Audio: {{ title.audio_languages.join(', ') }} · Subtitles:
                {{ title.subtitle_languages.join(', ') || 'none' }}
              </p>
            }
            <span class="button light play" aria-hidden="true">▶ Play</span>
          </div>
        </div>
      }
    </section>
  }`,
  styles: `
    .checklist {
      list-style: none;
      padding: 0;
      margin: 0 0 1rem;
      display: grid;
      gap: 0.25rem;
    }
    .checklist li {
      color: var(--text-dim);
    }
    .checklist li.done {
      color: var(--ok);
    }
    .verdict {
      padding: 0.5rem 0.75rem;
      border-radius: var(--radius);
      background: #4d1e1e;
    }
    .verdict.visible {
      background: #1e4d2b;
    }
    .viewer {
      position: relative;
      display: grid;
      grid-template-columns: 10rem 1fr;
      gap: 1rem;
      padding: 1rem;
      border-radius: var(--radius);
      background: var(--bg);
      overflow: hidden;
      min-height: 14rem;
    }
    /* Greyed and outlined rather than faded: the preview's text keeps its contrast. */
    .viewer.hidden {
      filter: grayscale(1);
      outline: 2px dashed var(--text-dim);
      outline-offset: -2px;
    }
    .backdrop {
      opacity: 0.25;
    }
    .card,
    .info {
      position: relative;
    }
    .name {
      font-size: 1.6rem;
      font-weight: 700;
      margin: 0 0 0.5rem;
    }
    .meta {
      display: flex;
      flex-wrap: wrap;
      gap: 0.6rem;
      align-items: center;
      color: var(--text-dim);
    }
    .play {
      margin-top: 0.5rem;
    }
    @media (max-width: 560px) {
      .viewer {
        grid-template-columns: 1fr;
      }
    }
  `,
})
export class TitlePublish {
  protected readonly store = inject(TitleStore);
  protected readonly maturities = MATURITIES;
  protected readonly valueOf = valueOf;
  protected readonly clock = clock;
  protected readonly countryName = countryName;
  protected readonly maturity = signal<Maturity>('adult');
  protected readonly territory = signal('');
  protected readonly language = signal('');
  private readonly now = new Date();

  protected readonly moves = computed(() => MOVES[this.store.title()?.status ?? 'draft']);
  protected readonly territories = computed(() => {
    const title = this.store.title();
    const licensed = title
      ? title.windows.flatMap((w) => w.countries).filter((c) => c !== '*')
      : [];
    return [...new Set([...licensed, ...COMMON_TERRITORIES])];
  });
  protected readonly languages = computed(() => {
    const title = this.store.title();
    return title
      ? [...new Set([title.original_language, ...Object.keys(title.localizations)])]
      : [];
  });
  protected readonly shownTerritory = computed(() => this.territory() || this.territories()[0]);
  protected readonly checklist = computed(() => {
    const title = this.store.title();
    if (!title) {
      return [];
    }
    const media =
      title.kind === 'movie'
        ? title.asset_id !== null
        : title.seasons.some((s) => s.episodes.some((e) => e.asset_id));
    return [
      { label: 'Media ready and attached', done: media },
      { label: 'A licence window covers today', done: countriesAt(title, this.now).length > 0 },
      { label: 'Rated (by default or in a territory)', done: title.ratings.length > 0 },
      { label: 'A poster', done: title.artwork.some((a) => a.kind === 'poster') },
      {
        label: 'Texts in more than one language',
        done: Object.keys(title.localizations).length > 0,
      },
    ];
  });
  protected readonly preview = computed(() => {
    const title = this.store.title();
    if (!title) {
      return null;
    }
    const territory = this.shownTerritory();
    const texts = textsIn(title, this.language() || title.original_language);
    const judged = verdict(title, territory, this.maturity(), this.now);
    const card: CardTitle = {
      id: title.id,
      title: texts.title,
      release_year: title.release_year,
      rating: judged.rating,
      poster: artworkFor(title, 'poster', texts.language),
    };
    return {
      texts,
      verdict: judged,
      card,
      backdrop: artworkFor(title, 'backdrop', texts.language),
    };
  });

  protected profileName(): string {
    const maturity = this.maturity();
    return `${maturity === 'adult' ? 'an' : 'a'} ${maturity} profile`;
  }

  protected moveLabel(move: Move): string {
    return MOVE_LABELS[move];
  }

  protected asMaturity(value: string): Maturity {
    return MATURITIES.find((m) => m === value) ?? 'adult';
  }

  protected cast(title: StudioTitle): string {
    return title.credits
      .filter((c) => c.role === 'actor' || c.role === 'voice')
      .slice(0, 4)
      .map((c) => c.name)
      .join(', ');
  }

  protected go(move: Move): void {
    const path = { title_id: this.store.id() };
    const paths = {
      publish: '/api/v1/studio/titles/{title_id}/publish',
      unpublish: '/api/v1/studio/titles/{title_id}/unpublish',
      retire: '/api/v1/studio/titles/{title_id}/retire',
    } as const;
    void this.store.save('Status', () => ok(api.POST(paths[move], { params: { path } })));
  }
}
