import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { date, formFields, isoToLocalInput, localInputToIso, splitList } from './format';
import { TitleStore } from './title-store';
import { countriesAt, countryName } from './visibility';

type Window = Schemas['Window'];

const DAY_MS = 86_400_000;
const LABEL_W = 130;
const CHART_W = 1000;
const ROW_H = 28;

interface Bar {
  readonly window: Window;
  readonly x: number;
  readonly width: number;
  readonly open: boolean;
}

/** The Licences tab: windows per territory on a timeline, editing them, where it is visible now. */
@Component({
  selector: 'app-studio-title-licences',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="visible-heading" data-testid="visible-now">
      <h2 id="visible-heading">Where is this title visible now</h2>
      @if (title.status !== 'published') {
        <p>
          Nowhere: the title is <strong>{{ title.status }}</strong>. Once published it will be
          visible in: {{ licensedNow() }}.
        </p>
      } @else if (countriesNow().length) {
        <p>
          {{ licensedNow() }}
          <span class="muted">(for profiles whose maturity allows its rating there)</span>
        </p>
      } @else {
        <p>Nowhere: no licence window covers today.</p>
      }
    </section>

    <section class="panel" aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Windows by territory</h2>
      @if (rows().length) {
        <svg
          class="timeline"
          [attr.viewBox]="'0 0 ' + chartW + ' ' + (rows().length * rowH + 24)"
          role="img"
          [attr.aria-label]="timelineLabel()"
        >
          @for (row of rows(); track row.territory; let i = $index) {
            <text x="0" [attr.y]="i * rowH + 18" fill="currentColor" font-size="14">
              {{ row.territory }}
            </text>
            <rect
              [attr.x]="labelW"
              [attr.y]="i * rowH + 4"
              [attr.width]="chartW - labelW"
              height="20"
              fill="#2a2a2a"
            />
            @for (bar of row.bars; track bar.window.id) {
              <rect
                [attr.x]="bar.x"
                [attr.y]="i * rowH + 4"
                [attr.width]="bar.width"
                height="20"
                [attr.fill]="bar.open ? 'url(#open-end)' : '#3b6fd8'"
              >
                <title>
                  {{ row.territory }}: {{ date(bar.window.starts_at) }} –
                  {{ bar.window.ends_at ? date(bar.window.ends_at) : 'open-ended' }}
                </title>
              </rect>
            }
          }
          <line
            [attr.x1]="nowX()"
            [attr.x2]="nowX()"
            y1="0"
            [attr.y2]="rows().length * rowH + 4"
            stroke="#e50914"
            stroke-width="2"
          />
          <text
            [attr.x]="labelW"
            [attr.y]="rows().length * rowH + 20"
            fill="currentColor"
            font-size="13"
          >
            {{ date(range().from) }}
          </text>
          <text
            [attr.x]="nowX()"
            [attr.y]="rows().length * rowH + 20"
            fill="#e50914"
            font-size="13"
            text-anchor="middle"
          >
            now
          </text>
          <text
            [attr.x]="chartW"
            [attr.y]="rows().length * rowH + 20"
            fill="currentColor"
            font-size="13"
            text-anchor="end"
          >
            {{ date(range().to) }}
          </text>
          <defs>
            <linearGradient id="open-end">
              <stop offset="0.8" stop-color="#3b6fd8" />
              <stop offset="1" stop-color="#3b6fd8" stop-opacity="0.2" />
            </linearGradient>
          </defs>
        </svg>
      } @else {
        <p class="muted">No licence windows yet: viewers cannot see the title anywhere.</p>
      }
      <div class="table-wrap" role="region" aria-label="Licence windows table" tabindex="0">
        <table aria-label="Licence windows">
          <thead>
            <tr>
              <th scope="col">Territories</th>
              <th scope="col">Countries</th>
              <th scope="col">Starts</th>
              <th scope="col">Ends</th>
              <th scope="col">Licensor</th>
              <th scope="col">Exclusive</th>
              <th scope="col">Downloads</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (window of title.windows; track window.id) {
              <tr>
                <td>{{ window.territories.join(', ') }}</td>
                <td [title]="window.countries.join(', ')">
                  {{ window.countries.includes('*') ? 'all' : window.countries.length }}
                </td>
                <td>{{ date(window.starts_at) }}</td>
                <td>{{ window.ends_at ? date(window.ends_at) : 'open-ended' }}</td>
                <td>{{ window.licensor || '—' }}</td>
                <td>{{ window.exclusive ? 'yes' : 'no' }}</td>
                <td>{{ window.downloads_allowed ? 'allowed' : 'streaming only' }}</td>
                <td class="actions">
                  <button
                    type="button"
                    (click)="edit(window)"
                    [attr.aria-label]="'Edit window ' + window.territories.join(', ')"
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    (click)="remove(window)"
                    [attr.aria-label]="'Delete window ' + window.territories.join(', ')"
                  >
                    Delete
                  </button>
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    </section>

    <section class="panel" aria-labelledby="window-form-heading">
      <h2 id="window-form-heading">{{ editing() ? 'Edit window' : 'Add a window' }}</h2>
      <form (submit)="save($event, form)" #form>
        <div class="grid-2">
          <div class="field">
            <label for="window-territories"
              >Territories (ISO codes or regions such as EU, WORLD)</label
            >
            <input
              id="window-territories"
              name="territories"
              required
              [value]="editing()?.territories?.join(', ') ?? ''"
            />
          </div>
          <div class="field">
            <label for="window-licensor">Licensor</label>
            <input id="window-licensor" name="licensor" [value]="editing()?.licensor ?? ''" />
          </div>
          <div class="field">
            <label for="window-starts">Starts</label>
            <input
              id="window-starts"
              name="starts"
              type="datetime-local"
              required
              [value]="startsValue()"
            />
          </div>
          <div class="field">
            <label for="window-ends">Ends (empty: open-ended)</label>
            <input id="window-ends" name="ends" type="datetime-local" [value]="endsValue()" />
          </div>
        </div>
        <label class="check"
          ><input type="checkbox" name="exclusive" [checked]="editing()?.exclusive ?? false" />
          Exclusive</label
        >
        <label class="check"
          ><input
            type="checkbox"
            name="downloads_allowed"
            [checked]="editing()?.downloads_allowed ?? true"
          />
          Allow downloads</label
        >
        <div class="actions">
          <button class="primary" type="submit" [disabled]="store.saving()">
            {{ editing() ? 'Save window' : 'Add window' }}
          </button>
          @if (editing()) {
            <button type="button" (click)="editing.set(null)">Cancel</button>
          }
        </div>
      </form>
    </section>
  }`,
  styles: `
    .timeline {
      width: 100%;
      display: block;
      color: var(--text);
      margin-bottom: 0.75rem;
    }
  `,
})
export class TitleLicences {
  protected readonly store = inject(TitleStore);
  protected readonly date = date;
  protected readonly chartW = CHART_W;
  protected readonly labelW = LABEL_W;
  protected readonly rowH = ROW_H;
  protected readonly editing = signal<Window | null>(null);
  private readonly now = new Date();

  protected readonly countriesNow = computed(() => {
    const title = this.store.title();
    return title ? countriesAt(title, this.now) : [];
  });
  protected readonly licensedNow = computed(() => {
    const countries = this.countriesNow();
    if (countries.includes('*')) {
      return 'every country';
    }
    return countries.length
      ? countries.map((c) => `${countryName(c)} (${c})`).join(', ')
      : 'no country';
  });
  protected readonly range = computed(() => {
    const windows = this.store.title()?.windows ?? [];
    const now = this.now.getTime();
    const starts = windows.map((w) => Date.parse(w.starts_at));
    const ends = windows.flatMap((w) => (w.ends_at ? [Date.parse(w.ends_at)] : []));
    return {
      from: new Date(Math.min(now - 30 * DAY_MS, ...starts)).toISOString(),
      to: new Date(Math.max(now + 180 * DAY_MS, ...ends) + 15 * DAY_MS).toISOString(),
    };
  });
  protected readonly rows = computed(() => {
    const windows = this.store.title()?.windows ?? [];
    const territories = [...new Set(windows.flatMap((w) => w.territories))].sort();
    return territories.map((territory) => ({
      territory,
      bars: windows.filter((w) => w.territories.includes(territory)).map((w) => this.bar(w)),
    }));
  });
  protected readonly nowX = computed(() => this.x(this.now.getTime()));
  protected readonly startsValue = computed(() =>
    isoToLocalInput(this.editing()?.starts_at ?? this.now.toISOString()),
  );
  protected readonly endsValue = computed(() => {
    const ends = this.editing()?.ends_at;
    return ends ? isoToLocalInput(ends) : '';
  });

  protected timelineLabel(): string {
    return (this.store.title()?.windows ?? [])
      .map(
        (w) =>
          `${w.territories.join(', ')} from ${date(w.starts_at)} ${w.ends_at ? `to ${date(w.ends_at)}` : 'open-ended'}`,
      )
      .join('; ');
  }

  protected edit(window: Window): void {
    this.editing.set(window);
  }

  protected async save(event: Event, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const text = formFields(form);
    const body = {
      territories: splitList(text('territories')).map((t) => t.toUpperCase()),
      starts_at: localInputToIso(text('starts')),
      ends_at: text('ends') ? localInputToIso(text('ends')) : null,
      licensor: text('licensor'),
      exclusive: text('exclusive') === 'on',
      downloads_allowed: text('downloads_allowed') === 'on',
    };
    const editing = this.editing();
    const saved = await this.store.save('Licence window', () =>
      editing
        ? ok(
            api.PUT('/api/v1/studio/windows/{window_id}', {
              params: { path: { window_id: editing.id } },
              body,
            }),
          )
        : ok(
            api.POST('/api/v1/studio/titles/{title_id}/windows', {
              params: { path: { title_id: this.store.id() } },
              body,
            }),
          ),
    );
    if (saved) {
      this.editing.set(null);
    }
  }

  protected remove(window: Window): void {
    const path = { window_id: window.id };
    void this.store.save('Window removal', () =>
      ok(api.DELETE('/api/v1/studio/windows/{window_id}', { params: { path } })),
    );
  }

  private bar(window: Window): Bar {
    const start = this.x(Date.parse(window.starts_at));
    const end = window.ends_at ? this.x(Date.parse(window.ends_at)) : CHART_W;
    return { window, x: start, width: Math.max(2, end - start), open: !window.ends_at };
  }

  private x(at: number): number {
    const { from, to } = this.range();
    const span = Date.parse(to) - Date.parse(from);
    return LABEL_W + ((at - Date.parse(from)) / span) * (CHART_W - LABEL_W);
  }
}
